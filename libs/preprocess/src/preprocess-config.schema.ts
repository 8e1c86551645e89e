import { z } from 'zod';
import { CLAHE_DEFAULTS, CLAHE_MAX_TILES } from './clahe.op.js';
import { MODEL_INPUT_SIZE } from './resize.op.js';
import { PAPER_GRAY_WEIGHTS } from './to-gray.op.js';

export const PREPROCESS_STEPS = ['gray', 'equalize', 'clahe', 'resize'] as const;
export type PreprocessStep = (typeof PREPROCESS_STEPS)[number];

/**
 * Everything that determines the pixels a model sees. A model manifest stores the parsed (fully
 * defaulted) config, so inference reproduces training-time preprocessing exactly. Defaults follow
 * the paper (III-A): gray (0.3/0.59/0.11) -> histogram equalization -> CLAHE -> 299 x 299.
 */
export const preprocessConfigSchema = z
  .object({
    steps: z
      .array(z.enum(PREPROCESS_STEPS))
      .refine((s) => new Set(s).size === s.length, { message: 'steps must not repeat' })
      .default([...PREPROCESS_STEPS]),
    grayWeights: z
      .tuple([z.number().min(0).max(1), z.number().min(0).max(1), z.number().min(0).max(1)])
      .refine((w) => w[0] + w[1] + w[2] > 0, { message: 'gray weights must not all be 0' })
      .default([...PAPER_GRAY_WEIGHTS]),
    clahe: z
      .object({
        clipLimit: z.number().min(0).max(1e6).default(CLAHE_DEFAULTS.clipLimit),
        tilesX: z.number().int().min(1).max(CLAHE_MAX_TILES).default(CLAHE_DEFAULTS.tilesX),
        tilesY: z.number().int().min(1).max(CLAHE_MAX_TILES).default(CLAHE_DEFAULTS.tilesY),
      })
      .strict()
      .prefault({}),
    resize: z
      .object({
        width: z.number().int().min(1).max(32768).default(MODEL_INPUT_SIZE),
        height: z.number().int().min(1).max(32768).default(MODEL_INPUT_SIZE),
        interpolation: z.enum(['auto', 'area', 'linear']).default('auto'),
      })
      .strict()
      .prefault({}),
  })
  .strict();

/** The parsed config, every field present (what a manifest records). */
export type PreprocessConfig = z.output<typeof preprocessConfigSchema>;
/** What callers may pass: any subset, the rest defaulted. */
export type PreprocessConfigInput = z.input<typeof preprocessConfigSchema>;
