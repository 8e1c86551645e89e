import * as tf from '@tensorflow/tfjs';
import { RopError, type PluginContext } from '@ropline/core';
import type { z } from 'zod';
import { loadWeightsStrict, transferWeights, type FreezePolicy, type TransferReport } from './transfer.js';

/** Parses a model config; an invalid one is RopError CONFIG.INVALID naming each bad field. */
export function parseModelConfig<S extends z.ZodType>(schema: S, raw: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(raw ?? {});
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new RopError('CONFIG.INVALID', `Invalid ${what} config: ${issues}`, { model: what });
  }
  return parsed.data;
}

export interface WeightsConfig {
  weightsDir?: string;
  pretrained?: { dir: string; freeze: FreezePolicy };
}

/**
 * Puts weights into a freshly built model: this model's own trained weights (`weightsDir`, all
 * must match), or pretrained ones adapted by transfer learning, or leaves the random init.
 * Returns the transfer report when transfer learning ran.
 */
export async function initialiseWeights(
  model: tf.LayersModel,
  config: WeightsConfig,
  headLayers: readonly string[],
  ctx?: PluginContext,
): Promise<TransferReport | null> {
  if (config.weightsDir && config.pretrained) {
    throw new RopError('CONFIG.INVALID', 'Give either weightsDir (trained model) or pretrained, not both');
  }
  if (config.weightsDir) {
    await loadWeightsStrict(model, config.weightsDir);
    return null;
  }
  if (!config.pretrained) return null;
  const report = await transferWeights(model, config.pretrained.dir, {
    freeze: config.pretrained.freeze,
    headLayers,
  });
  ctx?.log('info', `${model.name}: transfer learning`, {
    copied: report.copied.length,
    reinitialised: report.reinitialised.map((r) => r.layer),
    notInSource: report.notInSource,
    trainable: report.trainable.length,
  });
  return report;
}

/** One forward pass on zeros: compiles kernels and allocates, so the first real call is not slow. */
export function warmUp(model: tf.LayersModel): void {
  const shape = model.inputs[0].shape.map((d) => d ?? 1);
  tf.tidy(() => {
    model.predict(tf.zeros(shape));
  });
}

/**
 * Wraps model.dispose() (and `also`, e.g. a derived inference copy) so a second call is a no-op
 * (tfjs throws on a second dispose).
 */
export function disposeOnce(
  model: tf.LayersModel,
  also?: () => void,
): { dispose(): void; readonly disposed: boolean } {
  let disposed = false;
  return {
    dispose: () => {
      if (disposed) return;
      disposed = true;
      also?.();
      model.dispose();
    },
    get disposed() {
      return disposed;
    },
  };
}

export function assertNotDisposed(disposed: boolean, name: string): void {
  if (disposed) throw new RopError('MODEL.DISPOSED', `${name} was disposed`, { model: name });
}
