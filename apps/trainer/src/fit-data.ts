import type { Image8, ImageF32 } from '@ropline/core';
import type { FitData } from './fit-loop.js';

/** Stacks same-sized images into one flat NHWC array. */
export function stackInputs(images: readonly ImageF32[]): FitData['x'] {
  const n = images.length ? images[0].data.length : 0;
  const x = new Float32Array(images.length * n);
  images.forEach((im, i) => x.set(im.data, i * n));
  return x;
}

/** Binary targets: 1 where the 0/255 mask is set. */
export function binaryTargets(masks: readonly Image8[]): Float32Array {
  const n = masks.length ? masks[0].data.length : 0;
  const y = new Float32Array(masks.length * n);
  masks.forEach((m, i) => {
    for (let p = 0; p < n; p++) y[i * n + p] = m.data[p] ? 1 : 0;
  });
  return y;
}

/**
 * Multi-class targets (segmentation-only baseline): channel 0 background, channel 1 + k the line
 * pixels of an image whose class index is k (-1 = no class: the whole image is background).
 */
export function multiClassTargets(
  masks: readonly Image8[],
  classIndex: readonly number[],
  classes: number,
): Float32Array {
  const n = masks.length ? masks[0].data.length : 0;
  const c = classes + 1;
  const y = new Float32Array(masks.length * n * c);
  masks.forEach((m, i) => {
    const k = classIndex[i];
    for (let p = 0; p < n; p++) {
      const on = m.data[p] !== 0 && k >= 0;
      y[(i * n + p) * c + (on ? k + 1 : 0)] = 1;
    }
  });
  return y;
}

export function oneHot(indices: readonly number[], classes: number): Float32Array {
  const y = new Float32Array(indices.length * classes);
  indices.forEach((k, i) => (y[i * classes + k] = 1));
  return y;
}
