import type { Image8 } from '@ropline/core';
import type { ModelRef } from './model-info.js';
import type { SegmentationResult } from './segmenter.port.js';

export type PipelineKind = 'hybrid' | 'classifier-only' | 'segmentation-only';

/** Per-stage wall time in milliseconds. */
export interface StageLatencies {
  preprocess: number;
  segment?: number;
  stack?: number;
  classify?: number;
  total: number;
}

export interface StagingResult {
  pipeline: PipelineKind;
  /** A stage label, or 'none' when the segmentation-only rule finds no line ("no ROP detected"). */
  stage: string;
  /** Probability per class label (for segmentation-only: area fractions of the stage masks). */
  probabilities: Record<string, number>;
  /** Segmentation at the model input size; null for classifier-only. */
  segmentation: SegmentationResult | null;
  /** The line mask resized to the original image size (0/255); null for classifier-only. */
  maskAtInputSize: Image8 | null;
  models: ModelRef[];
  latencyMs: StageLatencies;
}

export interface StagingPipeline {
  readonly kind: PipelineKind;
  readonly models: ModelRef[];
  /** `image`: decoded 8-bit RGB or gray at its original size. */
  analyze(image: Image8): Promise<StagingResult>;
  /** Frees the models; a pipeline on worker threads returns a promise that settles when they end. */
  dispose(): void | Promise<void>;
}
