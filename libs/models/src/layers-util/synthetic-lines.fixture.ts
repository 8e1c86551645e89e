import { mulberry32, type ImageF32 } from '@ropline/core';
import { distanceToSegment } from '../mask-geometry/polygon-simplify.util.js';

/** Deterministic uniform [0, 1) generator, for test data only. */
export const seededRandom = mulberry32;

export interface LineSample {
  /** Standardized-looking image: noise around 0, the line brighter. 1 channel. */
  image: ImageF32;
  /** 0/1 target, same size, 1 channel. */
  mask: Float32Array;
}

/**
 * A random straight "demarcation line" of `thickness` pixels across a noisy square image: the
 * segment joins two random points in the image's middle band so it never hugs the border.
 */
export function lineSample(size: number, thickness: number, rand: () => number, noise = 0.3): LineSample {
  const a: [number, number] = [size * (0.1 + 0.2 * rand()), size * (0.1 + 0.8 * rand())];
  const b: [number, number] = [size * (0.7 + 0.2 * rand()), size * (0.1 + 0.8 * rand())];
  if (rand() < 0.5) [a[0], a[1], b[0], b[1]] = [a[1], a[0], b[1], b[0]]; // half of them run vertically
  const data = new Float32Array(size * size);
  const mask = new Float32Array(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const on = distanceToSegment([x, y], a, b) <= thickness / 2 ? 1 : 0;
      mask[y * size + x] = on;
      data[y * size + x] = (rand() - 0.5) * 2 * noise + (on ? 1.5 : -0.1);
    }
  }
  return { image: { data, width: size, height: size, channels: 1 }, mask };
}

/** Dice of two 0/1 (or 0/255) masks: 2|A∩B| / (|A| + |B|); 1 when both are empty. */
export function diceOf(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let inter = 0;
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const p = a[i] > 0 ? 1 : 0;
    const q = b[i] > 0 ? 1 : 0;
    inter += p & q;
    sum += p + q;
  }
  return sum === 0 ? 1 : (2 * inter) / sum;
}

/** Concatenates samples' data into one NHWC array. */
export function stack(arrays: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(arrays.reduce((n, a) => n + a.length, 0));
  let offset = 0;
  for (const a of arrays) {
    out.set(a, offset);
    offset += a.length;
  }
  return out;
}

export const quietContext = { log: () => undefined };
