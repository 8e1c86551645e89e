// Compute backends (tfjs): plugins, selection, and the wasm training kernels.
export {
  backendConfigSchema,
  type BackendConfig,
  type BackendConfigInput,
} from './backends/backend-config.schema.js';
export type { BackendName, BackendProbe, ComputeBackend } from './backends/compute-backend.port.js';
export { cpuBackendPlugin, createCpuBackend } from './backends/cpu.backend.js';
export { BACKEND_PLUGINS, initBackend, type BackendSelection } from './backends/init-backend.js';
export {
  registerTrainingKernels,
  TRAINING_KERNELS,
  type TrainingKernel,
  type TrainingKernelsReport,
} from './backends/register-training-kernels.js';
export {
  createTensorflowBackend,
  TENSORFLOW_INSTALL_HINT,
  tensorflowBackendPlugin,
  type ModuleImporter,
  type TensorflowBackendConfig,
} from './backends/tensorflow.backend.js';
export {
  createWasmBackend,
  describeWasmRuntime,
  locateWasmBinaries,
  wasmBackendPlugin,
  type WasmBackendConfig,
} from './backends/wasm.backend.js';
