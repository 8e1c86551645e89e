import { z } from 'zod';

/**
 * Compute-backend selection, e.g. `{ backend: 'auto' }` or
 * `{ backend: 'wasm', options: { wasm: { fastKernels: false } } }`.
 * `options` holds per-plugin configs keyed by plugin id, each validated by that plugin's schema.
 */
export const backendConfigSchema = z.object({
  backend: z.enum(['auto', 'tensorflow', 'wasm', 'cpu']).default('auto'),
  options: z.record(z.string(), z.unknown()).default({}),
});

export type BackendConfig = z.infer<typeof backendConfigSchema>;
export type BackendConfigInput = z.input<typeof backendConfigSchema>;
