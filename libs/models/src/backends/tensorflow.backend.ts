import { getBackend, setBackend } from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { RopError, type PluginManifest } from '@ropline/core';
import type { ComputeBackend } from './compute-backend.port.js';

export const tensorflowBackendConfigSchema = z.object({
  /** Packages tried in order; the first that loads provides the 'tensorflow' backend. */
  packages: z.array(z.string()).default(['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']),
});
export type TensorflowBackendConfig = z.infer<typeof tensorflowBackendConfigSchema>;

export const TENSORFLOW_INSTALL_HINT =
  'install @tensorflow/tfjs-node@4.22.0 (CPU) or @tensorflow/tfjs-node-gpu@4.22.0 (CUDA) with ' +
  '`npm install @tensorflow/tfjs-node@4.22.0` on a node that can download libtensorflow ' +
  '(its install script fetches it from storage.googleapis.com, not from npm), or choose backend "wasm"';

/** Loads a module by name; injectable so tests can simulate an installed tfjs-node. */
export type ModuleImporter = (specifier: string) => Promise<unknown>;
// A variable specifier keeps TypeScript and bundlers from resolving these optional packages.
const nodeImport: ModuleImporter = (specifier) => import(specifier);

/**
 * libtensorflow through tfjs-node(-gpu): the fastest when installed (native oneDNN/CUDA kernels,
 * all cores). Optional: its install needs a download outside npm, so most nodes do not have it.
 */
export function createTensorflowBackend(
  config: TensorflowBackendConfig = tensorflowBackendConfigSchema.parse({}),
  importModule: ModuleImporter = nodeImport,
): ComputeBackend {
  let loaded: Promise<{ pkg?: string; failures: string[] }> | undefined;
  // Importing the package registers the 'tensorflow' backend with tfjs-core as a side effect.
  const load = () =>
    (loaded ??= (async () => {
      const failures: string[] = [];
      for (const pkg of config.packages) {
        try {
          await importModule(pkg);
          return { pkg, failures };
        } catch (e) {
          failures.push(`${pkg}: ${firstLine(e)}`);
        }
      }
      return { failures };
    })());
  return {
    name: 'tensorflow',
    speedRank: 3,
    installHint: TENSORFLOW_INSTALL_HINT,
    probe: async () => {
      const { pkg, failures } = await load();
      return pkg
        ? { available: true, detail: `loaded ${pkg}` }
        : { available: false, detail: failures.join('; ') };
    },
    activate: async () => {
      const { pkg, failures } = await load();
      if (pkg && getBackend() === 'tensorflow') return;
      const ok = pkg ? await setBackend('tensorflow').catch(() => false) : false;
      if (!ok) {
        const why = pkg ? `${pkg} loaded but its backend failed to initialise` : failures.join('; ');
        throw new RopError(
          'MODEL.BACKEND_UNAVAILABLE',
          `Compute backend 'tensorflow' is not available (${why}). To use it, ${TENSORFLOW_INSTALL_HINT}.`,
          { backend: 'tensorflow' },
        );
      }
    },
  };
}

/** First line of an error, without Node's "imported from /abs/path" tail (noise in logs). */
function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0].replace(/ imported from .*$/, '');
}

export const tensorflowBackendPlugin: PluginManifest<TensorflowBackendConfig, ComputeBackend> = {
  kind: 'backend',
  id: 'tensorflow',
  configSchema: tensorflowBackendConfigSchema,
  create: (config) => createTensorflowBackend(config),
};
