import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { env, findBackend, getBackend, setBackend } from '@tensorflow/tfjs-core';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { z } from 'zod';
import { RopError, type PluginManifest } from '@ropline/core';
import type { ComputeBackend } from './compute-backend.port.js';
import { registerTrainingKernels } from './register-training-kernels.js';
import { relaxedSimdAvailable } from './kernels/models-wasm.js';

export const wasmBackendConfigSchema = z.object({
  /** false: register only the kernels tfjs-wasm lacks and keep its own slower ones (benchmarks). */
  fastKernels: z.boolean().default(true),
});
export type WasmBackendConfig = z.infer<typeof wasmBackendConfigSchema>;

const INSTALL_HINT =
  'npm install @tensorflow/tfjs-backend-wasm@4.22.0 (its dist/*.wasm files must be present next to the package)';

/** Absolute directory of tfjs-backend-wasm's .wasm binaries, with a trailing separator. */
export function locateWasmBinaries(): string {
  const require = createRequire(import.meta.url);
  const pkg = require.resolve('@tensorflow/tfjs-backend-wasm/package.json');
  return path.join(path.dirname(pkg), 'dist') + path.sep;
}

/**
 * tfjs-wasm (XNNPACK, SIMD) plus ROPline's training kernels: the default everywhere. In Node
 * tfjs runs it single-threaded; use several worker threads, one backend each, for all cores.
 */
export function createWasmBackend(config: WasmBackendConfig = { fastKernels: true }): ComputeBackend {
  return {
    name: 'wasm',
    speedRank: 2,
    installHint: INSTALL_HINT,
    probe: async () => {
      try {
        const dir = locateWasmBinaries();
        const file = path.join(dir, 'tfjs-backend-wasm.wasm');
        return existsSync(file)
          ? { available: true, detail: `binaries in ${dir}` }
          : { available: false, detail: `missing ${file}` };
      } catch (e) {
        return { available: false, detail: (e as Error).message };
      }
    },
    describe: async () =>
      `XNNPACK, ${await describeWasmRuntime()}, ROPline kernels (${
        relaxedSimdAvailable() ? 'relaxed SIMD with FMA' : 'SIMD, no FMA: relaxed SIMD unavailable'
      }): ` + registerTrainingKernels({ faster: config.fastKernels }).ours.join(', '),
    activate: async () => {
      // The kernel registry is global: register before the backend starts, re-apply on every call.
      registerTrainingKernels({ faster: config.fastKernels });
      if (getBackend() === 'wasm') return;
      // setWasmPaths throws once the backend has been initialised, so only the first time.
      if (!findBackend('wasm')) setWasmPaths(locateWasmBinaries());
      const ok = await setBackend('wasm').catch(() => false);
      if (!ok) {
        throw new RopError(
          'MODEL.BACKEND_UNAVAILABLE',
          `tfjs wasm backend failed to initialise; ${INSTALL_HINT}`,
          {
            backend: 'wasm',
          },
        );
      }
    },
  };
}

/** e.g. "SIMD, 1 thread" (for logs). The flags are async in tfjs-wasm. */
export async function describeWasmRuntime(): Promise<string> {
  const simd = (await env().getAsync('WASM_HAS_SIMD_SUPPORT')) ? 'SIMD' : 'no SIMD';
  const threads = (await env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) ? 'multi-threaded' : '1 thread';
  return `${simd}, ${threads}`;
}

export const wasmBackendPlugin: PluginManifest<WasmBackendConfig, ComputeBackend> = {
  kind: 'backend',
  id: 'wasm',
  configSchema: wasmBackendConfigSchema,
  create: (config) => createWasmBackend(config),
};
