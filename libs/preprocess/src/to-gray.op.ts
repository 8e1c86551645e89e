import type { Image8 } from '@ropline/core';
import { assertImage8, invalidInput } from './image-guard.util.js';

export type GrayWeights = readonly [number, number, number];

/** Eq. (1) of the paper: I' = 0.3 R + 0.59 G + 0.11 B (not OpenCV's 0.299/0.587/0.114). */
export const PAPER_GRAY_WEIGHTS: GrayWeights = [0.3, 0.59, 0.11];

/** Weights are read to this many decimals; the conversion is exact for such weights. */
const MAX_DECIMALS = 6;

interface FixedWeights {
  r: number;
  g: number;
  b: number;
  /** Common denominator 10^k: weight = integer / scale. */
  scale: number;
}

function toFixed(weights: GrayWeights): FixedWeights {
  if (!Array.isArray(weights) || weights.length !== 3) invalidInput('toGray: weights must be [r, g, b]');
  for (const w of weights) {
    if (typeof w !== 'number' || !Number.isFinite(w) || w < 0 || w > 1) {
      invalidInput(`toGray: weights must be numbers in [0, 1], got [${weights.join(', ')}]`);
    }
  }
  if (weights[0] + weights[1] + weights[2] <= 0) invalidInput('toGray: weights must not all be 0');
  let scale = 1;
  for (let k = 0; k < MAX_DECIMALS; k++) {
    if (weights.every((w) => Math.abs(w * scale - Math.round(w * scale)) < 1e-9 * scale)) break;
    scale *= 10;
  }
  return {
    r: Math.round(weights[0] * scale),
    g: Math.round(weights[1] * scale),
    b: Math.round(weights[2] * scale),
    scale,
  };
}

/**
 * RGB to 1-channel gray with the paper's weights by default. Rounding: the weighted sum is computed
 * exactly in integers (weights read as decimals with up to 6 places, e.g. 30/100, 59/100, 11/100),
 * then rounded half up: `floor((30 R + 59 G + 11 B + 50) / 100)`. So gray levels (R = G = B) map to
 * themselves, and (5, 0, 0) -> 1.5 -> 2. Results above 255 (weights summing to more than 1)
 * saturate. A 1-channel input comes back as a copy.
 */
export function toGray(img: Image8, weights: GrayWeights = PAPER_GRAY_WEIGHTS): Image8 {
  assertImage8(img, 'toGray input');
  const { width, height, data } = img;
  const n = width * height;
  const out = new Uint8Array(n);
  if (img.channels === 1) {
    out.set(data);
    return { data: out, width, height, channels: 1 };
  }
  const { r, g, b, scale } = toFixed(weights);
  // Integer weights <= 10^6 and samples <= 255: the sum stays below 2^31, and truncating the
  // (correctly rounded) float quotient of two such integers gives the exact integer quotient.
  const half = scale >> 1;
  for (let i = 0, j = 0; i < n; i++, j += 3) {
    const q = ((r * data[j] + g * data[j + 1] + b * data[j + 2] + half) / scale) | 0;
    out[i] = q > 255 ? 255 : q;
  }
  return { data: out, width, height, channels: 1 };
}
