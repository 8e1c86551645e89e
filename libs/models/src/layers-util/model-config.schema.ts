import { z } from 'zod';
import { preprocessConfigSchema, type PreprocessConfig } from '@ropline/preprocess';

/** Model input in pixels: a number (square, the paper's 299) or { width, height }. */
export const inputSizeSchema = z
  .union([
    z.number().int().min(8).max(4096),
    z.object({ width: z.number().int().min(8).max(4096), height: z.number().int().min(8).max(4096) }),
  ])
  .transform((s) => (typeof s === 'number' ? { width: s, height: s } : s));

export type InputSize = z.output<typeof inputSizeSchema>;

/**
 * Start from weights trained elsewhere (III-B: COCO / ImageNet), adapted by transfer.ts. The paper
 * trains only the heads of its segmenter and all layers of its classifier: `defaultFreeze`.
 */
export function pretrainedSchema(defaultFreeze: 'heads' | 'all') {
  return z
    .object({
      /** Directory with a tfjs layers model.json + weight shards (e.g. converted Keras weights). */
      dir: z.string().min(1),
      /** 'heads': only re-initialised and top layers train; 'all': every layer trains. */
      freeze: z.enum(['heads', 'all']).default(defaultFreeze),
    })
    .strict();
}

/** Fields every model config has; each model adds its architecture and sets its own defaults. */
export const modelConfigShape = {
  version: z.string().min(1).default('0.0.0-untrained'),
  /** Seeds the weight initialisers: same seed, same initial model (tests, reproducible runs). */
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31)
    .optional(),
  /** Directory of this exact model's trained weights (tfjs layers format); all must match. */
  weightsDir: z.string().min(1).optional(),
  /**
   * The preprocessing the model was trained with (libs/preprocess config). `resize` defaults to the
   * model input size instead of the preprocess default, so the two cannot silently disagree.
   */
  preprocessing: z.record(z.string(), z.unknown()).default({}),
};

/** Parses `raw` preprocessing with `resize` defaulting to `size`; reports problems on `ctx`. */
export function resolvePreprocessing(
  raw: Record<string, unknown>,
  size: InputSize,
  ctx: z.RefinementCtx,
): PreprocessConfig {
  const resize = { width: size.width, height: size.height, ...(raw['resize'] as object | undefined) };
  const parsed = preprocessConfigSchema.safeParse({ ...raw, resize });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      ctx.addIssue({ code: 'custom', message: issue.message, path: ['preprocessing', ...issue.path] });
    }
    return z.NEVER;
  }
  const p = parsed.data;
  if (p.steps.includes('resize') && (p.resize.width !== size.width || p.resize.height !== size.height)) {
    ctx.addIssue({
      code: 'custom',
      message: `preprocessing resizes to ${p.resize.width}x${p.resize.height} but the model input is ${size.width}x${size.height}`,
      path: ['preprocessing', 'resize'],
    });
  }
  return p;
}
