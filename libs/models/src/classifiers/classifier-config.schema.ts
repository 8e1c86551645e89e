import { z } from 'zod';
import type { PreprocessConfig } from '@ropline/preprocess';
import {
  inputSizeSchema,
  modelConfigShape,
  pretrainedSchema,
  resolvePreprocessing,
} from '../layers-util/model-config.schema.js';
import { DEFAULT_STAGE_CLASSES } from '../ports/model-info.js';

/**
 * Fields every classifier config has. `inputChannels`: 1 = classifier-only (the preprocessed
 * image), 2 = hybrid (image + line mask, the paper's default), 3 = RGB (e.g. ImageNet weights
 * used as they are). Transfer learning defaults to training all layers, as the paper does (III-B3).
 */
export const classifierConfigShape = {
  ...modelConfigShape,
  inputSize: inputSizeSchema.prefault(299),
  inputChannels: z.union([z.literal(1), z.literal(2), z.literal(3)]).default(2),
  classes: z
    .array(z.string().min(1))
    .min(2)
    .default([...DEFAULT_STAGE_CLASSES]),
  pretrained: pretrainedSchema('all').optional(),
};

type ClassifierFields = z.output<z.ZodObject<typeof classifierConfigShape>>;

/** Cross-field checks and the resolved preprocessing; use in each classifier schema's transform. */
export function finishClassifierConfig<C extends ClassifierFields>(c: C, ctx: z.RefinementCtx) {
  if (new Set(c.classes).size !== c.classes.length) {
    ctx.addIssue({ code: 'custom', message: 'class labels must be unique', path: ['classes'] });
  }
  return { ...c, preprocessing: resolvePreprocessing(c.preprocessing, c.inputSize, ctx) };
}

/** What every parsed classifier config holds (each model adds its architecture fields). */
export type ClassifierConfig = ClassifierFields & { name: string; preprocessing: PreprocessConfig };
