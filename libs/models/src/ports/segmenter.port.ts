import type { Image8, ImageF32 } from '@ropline/core';
import type { ModelInfo } from './model-info.js';

/** Axis-aligned box in pixels of the image the result refers to; x right, y down, origin top-left. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** One connected component of the thresholded mask (a detected demarcation line or ridge). */
export interface SegmentInstance {
  /** Index into `classes` (always 0 for the binary segmenter). */
  classIndex: number;
  label: string;
  /** Mean probability of the component's pixels (the paper's detection confidence). */
  confidence: number;
  areaPx: number;
  box: Box;
  /**
   * Outer boundary as [x, y] vertices at pixel centres (integers), clockwise on screen (y down);
   * for SR SCOORD POLYLINE add 0.5 (DICOM puts the top-left pixel's top-left corner at 0\0).
   * A 1-px-wide line yields a degenerate polygon (its boundary walked out and back, e.g. 2 vertices).
   */
  polygon: [number, number][];
}

export interface SegmentationResult {
  width: number;
  height: number;
  classes: string[];
  /** Per-pixel foreground probability, width*height, row-major (max over classes if multi-class). */
  probability: Float32Array;
  /** Per-pixel class index (-1 = background) for multi-class heads; null for binary. */
  labels: Int16Array | null;
  /** 0/255 mask of pixels above the threshold that belong to kept instances. */
  mask: Image8;
  /** Components with confidence >= the confidence threshold (paper: 0.8). */
  instances: SegmentInstance[];
}

export interface Segmenter {
  readonly info: ModelInfo;
  /**
   * `input`: preprocessed, standardized, 1 channel at info.inputSize. The result holds plain arrays
   * (no tensors): nothing for the caller to dispose.
   */
  segment(input: ImageF32): Promise<SegmentationResult>;
  /** Frees the model's weights; safe to call twice. */
  dispose(): void;
}
