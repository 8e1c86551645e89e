import { RopError } from '@ropline/core';
import { z } from 'zod';

/**
 * Training hyper-parameters. `paper` is section IV of the paper verbatim (segmenter: SGD lr 0.002,
 * momentum 0.9, batch 1, 100 epochs, keep the best validation loss, confidence 0.8; classifier:
 * Inception v3, Adam lr 0.005, batch 32, early stopping patience 10 on validation loss, keep the
 * best). `cpu-quick` keeps the same procedure at a size that trains in minutes on 2 cores.
 */
const optimizerSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('sgd'),
    learningRate: z.number().positive(),
    momentum: z.number().min(0).max(1),
  }),
  z.object({ type: z.literal('adam'), learningRate: z.number().positive() }),
]);

const loopSchema = z.object({
  optimizer: optimizerSchema,
  batchSize: z.number().int().positive(),
  epochs: z.number().int().positive(),
  /** Stop when the validation loss has not improved for this many epochs; null = run every epoch. */
  patience: z.number().int().positive().nullable(),
  /**
   * BatchNorm moving-average momentum while training (Keras default 0.99). Small datasets take few
   * steps per epoch; at 0.99 the moving statistics lag far behind and validation (inference-mode)
   * losses are meaningless, so cpu-quick uses 0.9.
   */
  batchNormMomentum: z.number().min(0).max(1).default(0.99),
});

export const profileSchema = z
  .object({
    name: z.string().min(1),
    description: z.string(),
    /** Model input (square), pixels; the preprocessing resizes to it. */
    inputSize: z.number().int().min(16).max(1024),
    segmenter: loopSchema.extend({
      depth: z.number().int().min(1).max(6),
      baseFilters: z.number().int().min(1).max(256),
      confidenceThreshold: z.number().min(0).max(1),
    }),
    classifier: loopSchema.extend({
      architecture: z.enum(['classifier-inception-v3', 'classifier-compact-cnn']),
      /** Compact CNN only: conv blocks and first-block filters. */
      blocks: z.number().int().min(1).max(6).optional(),
      baseFilters: z.number().int().min(1).max(256).optional(),
    }),
  })
  .strict();

export type TrainingProfile = z.output<typeof profileSchema>;
export type LoopSettings = z.output<typeof loopSchema>;

export const PROFILES: Record<string, TrainingProfile> = {
  paper: profileSchema.parse({
    name: 'paper',
    description: 'the paper (IV): U-Net + Inception v3 at 299x299; hours to days on a CPU',
    inputSize: 299,
    segmenter: {
      depth: 4,
      baseFilters: 16,
      confidenceThreshold: 0.8,
      optimizer: { type: 'sgd', learningRate: 0.002, momentum: 0.9 },
      batchSize: 1,
      epochs: 100,
      patience: null,
    },
    classifier: {
      architecture: 'classifier-inception-v3',
      optimizer: { type: 'adam', learningRate: 0.005 },
      batchSize: 32,
      epochs: 200,
      patience: 10,
    },
  }),
  'cpu-quick': profileSchema.parse({
    name: 'cpu-quick',
    description: 'same procedure, small: U-Net d3 f8 + compact CNN at 96x96; minutes on 2 cores',
    inputSize: 96,
    segmenter: {
      depth: 3,
      baseFilters: 8,
      confidenceThreshold: 0.8,
      // Batch 1 and lr 0.002 (the paper's) need ~100 epochs; Adam at batch 4 gets there in 30.
      optimizer: { type: 'adam', learningRate: 0.005 },
      batchSize: 4,
      epochs: 30,
      patience: null,
      batchNormMomentum: 0.9,
    },
    classifier: {
      architecture: 'classifier-compact-cnn',
      blocks: 4,
      baseFilters: 12,
      optimizer: { type: 'adam', learningRate: 0.005 },
      batchSize: 16,
      epochs: 60,
      patience: 10,
      batchNormMomentum: 0.9,
    },
  }),
};

/** A profile by name, with overrides (e.g. from CLI flags) validated against the schema. */
export function resolveProfile(
  name: string,
  overrides: Partial<Record<'epochs' | 'inputSize', number>> = {},
): TrainingProfile {
  const base = PROFILES[name];
  if (!base)
    throw new RopError(
      'TRAIN.BAD_OPTION',
      `unknown profile '${name}' (known: ${Object.keys(PROFILES).join(', ')})`,
    );
  const p = structuredClone(base);
  if (overrides.inputSize !== undefined) p.inputSize = overrides.inputSize;
  if (overrides.epochs !== undefined) {
    p.segmenter.epochs = overrides.epochs;
    p.classifier.epochs = overrides.epochs;
  }
  const parsed = profileSchema.safeParse(p);
  if (!parsed.success) throw new RopError('TRAIN.BAD_OPTION', z.prettifyError(parsed.error));
  return parsed.data;
}
