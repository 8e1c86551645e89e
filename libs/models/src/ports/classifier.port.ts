import type { ImageF32 } from '@ropline/core';
import type { ModelInfo } from './model-info.js';

export interface ClassificationResult {
  classes: string[];
  /** Softmax probabilities in `classes` order; sums to 1. */
  probabilities: number[];
  classIndex: number;
  label: string;
}

export interface Classifier {
  readonly info: ModelInfo;
  /** `input`: info.inputChannels channels at info.inputSize (image, or image + mask stacked). */
  classify(input: ImageF32): Promise<ClassificationResult>;
  /** Frees the model's weights; safe to call twice. */
  dispose(): void;
}
