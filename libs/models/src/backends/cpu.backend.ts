import '@tensorflow/tfjs-backend-cpu';
import { setBackend } from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { RopError, type PluginManifest } from '@ropline/core';
import type { ComputeBackend } from './compute-backend.port.js';

export const cpuBackendConfigSchema = z.object({});

/**
 * tfjs's pure-JavaScript backend: always present, last resort. Fine for tiny tensors and tests,
 * far too slow to train (a 16x128x128 conv step takes minutes).
 */
export function createCpuBackend(): ComputeBackend {
  return {
    name: 'cpu',
    speedRank: 1,
    installHint: 'npm install @tensorflow/tfjs-backend-cpu@4.22.0',
    probe: async () => ({ available: true, detail: 'pure JavaScript, always present' }),
    activate: async () => {
      if (!(await setBackend('cpu'))) {
        throw new RopError('MODEL.BACKEND_UNAVAILABLE', 'tfjs cpu backend failed to initialise', {
          backend: 'cpu',
        });
      }
    },
  };
}

export const cpuBackendPlugin: PluginManifest<z.infer<typeof cpuBackendConfigSchema>, ComputeBackend> = {
  kind: 'backend',
  id: 'cpu',
  configSchema: cpuBackendConfigSchema,
  create: () => createCpuBackend(),
};
