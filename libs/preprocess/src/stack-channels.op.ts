import type { Image8, ImageF32 } from '@ropline/core';
import { assertImage8, assertImageF32, assertSameSize } from './image-guard.util.js';

/**
 * The hybrid model's input (paper, III-B1): the standardized image and the segmentation mask as a
 * 2-channel, pixel-interleaved float raster `[image, mask]`, the mask as 1 where non-zero, else 0.
 */
export function stackChannels(image: ImageF32, mask: Image8): ImageF32 {
  assertImageF32(image, 'stackChannels image', [1]);
  assertImage8(mask, 'stackChannels mask', [1]);
  assertSameSize(image, mask, 'stackChannels');
  const n = image.width * image.height;
  const out = new Float32Array(2 * n);
  const src = image.data;
  const m = mask.data;
  for (let i = 0, o = 0; i < n; i++, o += 2) {
    out[o] = src[i];
    out[o + 1] = m[i] !== 0 ? 1 : 0;
  }
  return { data: out, width: image.width, height: image.height, channels: 2 };
}
