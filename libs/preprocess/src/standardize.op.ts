import type { Image8, ImageF32 } from '@ropline/core';
import { histogram256 } from './histogram.util.js';
import { assertImage8, assertSameSize } from './image-guard.util.js';

export interface GrayStats {
  mean: number;
  /** Population standard deviation (divide by N, as numpy's default `std`). */
  std: number;
  /** Pixels the statistics were taken over. */
  count: number;
}

/** Histogram of the pixels where `mask` is non-zero (all pixels without a mask). */
function maskedHistogram(gray: Image8, mask?: Image8): Int32Array {
  if (!mask) return histogram256(gray.data);
  const hist = new Int32Array(256);
  const { data } = gray;
  const m = mask.data;
  for (let i = 0; i < data.length; i++) if (m[i] !== 0) hist[data[i]]++;
  return hist;
}

/**
 * Mean and population standard deviation of a 1-channel image, optionally over the non-zero
 * pixels of a same-sized 1-channel `mask` (e.g. the field of view). Two passes over the 256-bin
 * histogram, so no cancellation however large the image.
 */
export function grayStats(gray: Image8, mask?: Image8): GrayStats {
  assertImage8(gray, 'grayStats input', [1]);
  if (mask) {
    assertImage8(mask, 'grayStats mask', [1]);
    assertSameSize(gray, mask, 'grayStats mask');
  }
  const hist = maskedHistogram(gray, mask);
  let count = 0;
  let sum = 0;
  for (let v = 0; v < 256; v++) {
    count += hist[v];
    sum += v * hist[v];
  }
  if (count === 0) return { mean: 0, std: 0, count: 0 };
  const mean = sum / count;
  let ss = 0;
  for (let v = 0; v < 256; v++) ss += hist[v] * (v - mean) * (v - mean);
  return { mean, std: Math.sqrt(ss / count), count };
}

/**
 * The paper's normalization: `(I - mean) / std` over the whole image, in float32. With `mask`
 * the mean and std come from the masked pixels only (the black surround of the aperture would
 * otherwise dominate them), and every pixel is transformed with them. A constant image, or an
 * empty mask, gives all zeros rather than NaN: there is no contrast to normalize.
 */
export function standardize(gray: Image8, mask?: Image8): ImageF32 {
  const { mean, std } = grayStats(gray, mask);
  const { width, height, data } = gray;
  const out = new Float32Array(data.length);
  if (std > 0) {
    const lut = new Float32Array(256);
    for (let v = 0; v < 256; v++) lut[v] = (v - mean) / std;
    for (let i = 0; i < data.length; i++) out[i] = lut[data[i]];
  }
  return { data: out, width, height, channels: 1 };
}
