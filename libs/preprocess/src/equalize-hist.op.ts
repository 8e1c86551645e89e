import type { Image8 } from '@ropline/core';
import { assertImage8 } from './image-guard.util.js';
import { applyLut256, histogram256 } from './histogram.util.js';
import { roundHalfEvenU8 } from './rounding.util.js';

const fround = Math.fround;

/**
 * The equalization LUT exactly as OpenCV 4.6 `cv::equalizeHist` builds it: the first occupied bin
 * maps to 0, `scale = 255.f / (total - hist[first])` in float32, each later bin maps to
 * `saturate_cast<uchar>(cumsum * scale)` (float32 product, round half to even). Returns null for a
 * single-valued image, which OpenCV leaves unchanged.
 */
export function equalizeHistLut(hist: Int32Array, total: number): Uint8Array | null {
  let first = 0;
  while (first < 256 && hist[first] === 0) first++;
  if (first === 256 || hist[first] === total) return null;
  const lut = new Uint8Array(256);
  // int -> float conversions are explicit: they round above 2^24 pixels, as in C++.
  const scale = fround(255 / fround(total - hist[first]));
  let sum = 0;
  for (let i = first + 1; i < 256; i++) {
    sum += hist[i];
    lut[i] = roundHalfEvenU8(fround(fround(sum) * scale));
  }
  return lut;
}

/**
 * Global histogram equalization of a 1-channel image, bit-exact with `cv2.equalizeHist` (OpenCV 4.6).
 * A constant image comes back unchanged (OpenCV's special case), not black.
 */
export function equalizeHist(gray: Image8): Image8 {
  assertImage8(gray, 'equalizeHist input', [1]);
  const { width, height, data } = gray;
  const out = new Uint8Array(data.length);
  const lut = equalizeHistLut(histogram256(data), data.length);
  if (lut === null) out.set(data);
  else applyLut256(data, lut, out);
  return { data: out, width, height, channels: 1 };
}
