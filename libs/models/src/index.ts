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

// Segmenters (U-Net: binary line head for the hybrid pipeline, multi-class for the baseline).
export {
  buildUnetForConfig,
  createUnetSegmenter,
  loadUnetSegmenter,
  unetOutputChannels,
  unetSegmenterConfigSchema,
  unetSegmenterPlugin,
  type UnetSegmenter,
  type UnetSegmenterConfig,
  type UnetSegmenterConfigInput,
} from './segmenters/unet.segmenter.js';
export { buildUnet, paddingTo, UNET_HEAD_LAYER, type UnetArchitecture } from './segmenters/unet.model.js';
export {
  diceBceLoss,
  hardDice,
  segmentationLoss,
  softDiceCceLoss,
  type DiceLossOptions,
  type LossFn,
  type SoftDiceLossOptions,
} from './segmenters/segmentation.losses.js';

// Classifiers (Inception v3 as in the paper; a compact CNN with the same interface).
export { classifierConfigShape, type ClassifierConfig } from './classifiers/classifier-config.schema.js';
export {
  createLayersClassifier,
  finishLayersClassifier,
  type LayersClassifier,
} from './classifiers/layers.classifier.js';
export {
  inceptionV3ClassifierConfigSchema,
  inceptionV3ClassifierPlugin,
  loadInceptionV3Classifier,
  type InceptionV3ClassifierConfig,
  type InceptionV3ClassifierConfigInput,
} from './classifiers/inception-v3.classifier.js';
export {
  buildInceptionV3,
  expectedInceptionV3Params,
  INCEPTION_V3_FIRST_CONV,
  INCEPTION_V3_MIN_SIZE,
  INCEPTION_V3_TOP,
  KERAS_INCEPTION_V3_PARAMS,
  type InceptionV3Architecture,
} from './classifiers/inception-v3.model.js';
export {
  buildCompactCnn,
  COMPACT_CNN_TOP,
  compactCnnClassifierConfigSchema,
  compactCnnClassifierPlugin,
  loadCompactCnnClassifier,
  type CompactCnnArchitecture,
  type CompactCnnClassifierConfig,
  type CompactCnnClassifierConfigInput,
} from './classifiers/compact-cnn.classifier.js';

// Model plumbing: disk I/O without tfjs-node, transfer learning, Keras-faithful BatchNorm.
export { fileSystemIO, MODEL_JSON, WEIGHTS_BIN } from './layers-util/file-system.io.js';
export {
  applyFreezePolicy,
  loadWeightsStrict,
  readNamedWeights,
  transferWeights,
  type FreezePolicy,
  type TransferOptions,
  type TransferReport,
  type WeightsSource,
} from './layers-util/transfer.js';
export { KerasBatchNormalization, kerasBatchNormalization } from './layers-util/keras-batch-norm.layer.js';
export { countParams, imageToBatch, type ParamCounts } from './layers-util/image-tensor.util.js';
export { createSeededInitializers, type SeededInitializers } from './layers-util/seeded-initializers.js';
export { inputSizeSchema, pretrainedSchema, type InputSize } from './layers-util/model-config.schema.js';

// Mask geometry (pure): components, contours, polygons, instances from a head's output.
export {
  labelComponents,
  type ComponentLabels,
  type ComponentStats,
} from './mask-geometry/connected-components.util.js';
export { signedArea2, traceOuterContour } from './mask-geometry/contour-trace.util.js';
export { distanceToSegment, simplifyClosedPolygon } from './mask-geometry/polygon-simplify.util.js';
export {
  decodeBinarySegmentation,
  decodeMultiClassSegmentation,
  type DecodedSegmentation,
  type InstanceRules,
} from './mask-geometry/mask-instances.util.js';

// The model plugins ROPline ships, and their registry.
export { CLASSIFIER_PLUGINS, MODEL_REGISTRY, SEGMENTER_PLUGINS } from './model-plugins.js';

// Ports: what segmenters, classifiers and pipelines promise.
export { DEFAULT_STAGE_CLASSES, type ModelInfo, type ModelKind, type ModelRef } from './ports/model-info.js';
export type { Box, SegmentationResult, SegmentInstance, Segmenter } from './ports/segmenter.port.js';
export type { ClassificationResult, Classifier } from './ports/classifier.port.js';
export type { PipelineKind, StageLatencies, StagingPipeline, StagingResult } from './ports/pipeline.port.js';

// Model artifacts (model.json + weights + manifest.json) and pipeline directories.
export {
  MODEL_MANIFEST_FILE,
  MODEL_MANIFEST_FORMAT,
  modelManifestSchema,
  type ModelManifest,
  type ModelManifestInput,
} from './artifacts/model-manifest.schema.js';
export {
  checkModelAgainstManifest,
  loadModelArtifact,
  readModelManifest,
  saveModelArtifact,
  sha256,
  verifyArtifactFiles,
  type LoadedArtifact,
} from './artifacts/model-artifact.js';
export { loadModel, saveModel, type LoadedModel, type SaveModelOptions } from './artifacts/model-loader.js';
export {
  PIPELINE_MANIFEST_FILE,
  pipelineManifestSchema,
  loadPipeline,
  loadSegmenterFrom,
  savePipelineManifest,
  type PipelineManifest,
} from './artifacts/pipeline-loader.js';

// Pipelines: the paper's hybrid system and its two baselines.
export { createStagingPipeline, maskToImageSize, type PipelineParts } from './pipelines/staging.pipeline.js';
export { NO_LINE, stageFromSegmentation, type StageDecision } from './pipelines/stage-rule.js';

// Inference on every core: a pool of worker threads, one single-threaded backend and pipeline each.
export {
  createInferencePool,
  createPooledPipeline,
  type AnalyzeOptions,
  type InferencePool,
  type InferencePoolOptions,
  type InferencePoolStats,
} from './workers/inference-pool.js';
