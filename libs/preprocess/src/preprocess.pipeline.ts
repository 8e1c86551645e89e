import { RopError, type Image8 } from '@ropline/core';
import { z } from 'zod';
import { clahe } from './clahe.op.js';
import { equalizeHist } from './equalize-hist.op.js';
import {
  preprocessConfigSchema,
  type PreprocessConfig,
  type PreprocessConfigInput,
  type PreprocessStep,
} from './preprocess-config.schema.js';
import { resize } from './resize.op.js';
import { toGray } from './to-gray.op.js';

export const INVALID_CONFIG = 'PREPROCESS.INVALID_CONFIG';

export interface PreprocessPipeline {
  /** The validated config with defaults filled in; JSON-serializable for a model manifest. */
  readonly config: PreprocessConfig;
  /** Runs the configured steps in order; the input is not modified. */
  run(img: Image8): Image8;
}

/** Parses a config (RopError `PREPROCESS.INVALID_CONFIG` listing every problem when invalid). */
export function parsePreprocessConfig(config: unknown = {}): PreprocessConfig {
  const parsed = preprocessConfigSchema.safeParse(config ?? {});
  if (!parsed.success) {
    throw new RopError(INVALID_CONFIG, `invalid preprocess config: ${z.prettifyError(parsed.error)}`, {
      issues: parsed.error.issues.length,
    });
  }
  return parsed.data;
}

function stepFn(step: PreprocessStep, c: PreprocessConfig): (img: Image8) => Image8 {
  switch (step) {
    case 'gray':
      return (img) => toGray(img, c.grayWeights);
    case 'equalize':
      return (img) => equalizeHist(img);
    case 'clahe':
      return (img) => clahe(img, c.clahe);
    case 'resize':
      return (img) => resize(img, c.resize.width, c.resize.height, c.resize.interpolation);
  }
}

/**
 * Builds the preprocessing chain of the paper from a config (defaults: all four steps). The
 * equalization steps need a 1-channel image, so put 'gray' first for RGB input; standardization
 * (`standardize`) is applied separately to make the float model input.
 */
export function createPreprocessPipeline(config: PreprocessConfigInput = {}): PreprocessPipeline {
  const parsed = parsePreprocessConfig(config);
  const fns = parsed.steps.map((s) => stepFn(s, parsed));
  return {
    config: parsed,
    run(img: Image8): Image8 {
      let out = img;
      for (const fn of fns) out = fn(out);
      if (out === img) out = { ...img, data: img.data.slice() };
      return out;
    },
  };
}

/** One-shot `createPreprocessPipeline(config).run(img)`. */
export function preprocess(img: Image8, config: PreprocessConfigInput = {}): Image8 {
  return createPreprocessPipeline(config).run(img);
}
