import type { Image8 } from '@ropline/core';
import { assertImage8, assertSameSize, invalidInput } from './image-guard.util.js';
import { mulberry32 } from '@ropline/core';

/** One augmented copy: fractions of the width/height cut from each edge, then a zoom. */
export interface AugmentParams {
  cropLeft: number;
  cropRight: number;
  cropTop: number;
  cropBottom: number;
  /** Magnification about the centre of the cropped region (1 = none). */
  zoom: number;
}

export interface AugmentOptions {
  /** Largest fraction cut from each edge; the paper: 5 %. */
  maxCrop?: number;
  /** Largest zoom; the paper: 110 %. */
  maxZoom?: number;
}

export const AUGMENT_DEFAULTS = { maxCrop: 0.05, maxZoom: 1.1 } as const;

/** Draws the paper's augmentation (crop U[0, 5 %] per edge, zoom U[100 %, 110 %]) from `seed`. */
export function sampleAugmentParams(seed: number, options: AugmentOptions = {}): AugmentParams {
  const maxCrop = options.maxCrop ?? AUGMENT_DEFAULTS.maxCrop;
  const maxZoom = options.maxZoom ?? AUGMENT_DEFAULTS.maxZoom;
  if (!Number.isFinite(seed)) invalidInput(`augment: seed must be a finite number, got ${String(seed)}`);
  if (!(maxCrop >= 0 && maxCrop < 0.5)) invalidInput(`augment: maxCrop must be in [0, 0.5), got ${maxCrop}`);
  if (!(maxZoom >= 1 && maxZoom <= 10)) invalidInput(`augment: maxZoom must be in [1, 10], got ${maxZoom}`);
  const rnd = mulberry32(seed);
  return {
    cropLeft: rnd() * maxCrop,
    cropRight: rnd() * maxCrop,
    cropTop: rnd() * maxCrop,
    cropBottom: rnd() * maxCrop,
    zoom: 1 + rnd() * (maxZoom - 1),
  };
}

function checkParams(p: AugmentParams): void {
  const crops = [p.cropLeft, p.cropRight, p.cropTop, p.cropBottom];
  if (crops.some((c) => !(c >= 0 && c < 0.5)) || !(p.zoom >= 1 && p.zoom <= 10)) {
    invalidInput('augment: crops must be in [0, 0.5) and zoom in [1, 10]');
  }
}

/**
 * Applies one augmentation: the cropped region, magnified `zoom` times about its centre, is
 * resampled back to the input size (pixel centres at +0.5; edges clamped). `'linear'` for images
 * (bilinear, rounded half up), `'nearest'` for masks so they stay binary. 1- or 3-channel input.
 */
export function applyAugment(
  img: Image8,
  params: AugmentParams,
  sampling: 'linear' | 'nearest' = 'linear',
): Image8 {
  assertImage8(img, 'augment input');
  checkParams(params);
  const { width, height, channels, data } = img;
  const x0 = params.cropLeft * width;
  const x1 = width - params.cropRight * width;
  const y0 = params.cropTop * height;
  const y1 = height - params.cropBottom * height;
  const xs = axisTaps(width, (x0 + x1) / 2, (x1 - x0) / params.zoom, sampling);
  const ys = axisTaps(height, (y0 + y1) / 2, (y1 - y0) / params.zoom, sampling);
  const out = new Uint8Array(data.length);
  const stride = width * channels;
  let o = 0;
  for (let v = 0; v < height; v++) {
    const r0 = ys.i0[v] * stride;
    const r1 = ys.i1[v] * stride;
    const wy = ys.w[v];
    for (let u = 0; u < width; u++) {
      const c0 = xs.i0[u] * channels;
      const c1 = xs.i1[u] * channels;
      const wx = xs.w[u];
      for (let c = 0; c < channels; c++, o++) {
        const top = data[r0 + c0 + c] + wx * (data[r0 + c1 + c] - data[r0 + c0 + c]);
        const bottom = data[r1 + c0 + c] + wx * (data[r1 + c1 + c] - data[r1 + c0 + c]);
        out[o] = Math.floor(top + wy * (bottom - top) + 0.5);
      }
    }
  }
  return { data: out, width, height, channels };
}

/** Per output index: the two source indices and the weight of the second (0 for nearest). */
function axisTaps(size: number, centre: number, span: number, sampling: 'linear' | 'nearest') {
  const i0 = new Int32Array(size);
  const i1 = new Int32Array(size);
  const w = new Float64Array(size);
  for (let d = 0; d < size; d++) {
    const s = centre + ((d + 0.5) / size - 0.5) * span - 0.5;
    if (sampling === 'nearest') {
      const k = Math.min(size - 1, Math.max(0, Math.round(s)));
      i0[d] = k;
      i1[d] = k;
      continue;
    }
    const f = Math.floor(s);
    i0[d] = Math.min(size - 1, Math.max(0, f));
    i1[d] = Math.min(size - 1, Math.max(0, f + 1));
    w[d] = s - f;
  }
  return { i0, i1, w };
}

/**
 * The paper's augmentation for a training pair: the same crop and zoom on the image (bilinear)
 * and on its mask (nearest), deterministic in `seed`.
 */
export function augmentPair(
  image: Image8,
  mask: Image8,
  seed: number,
  options: AugmentOptions = {},
): { image: Image8; mask: Image8; params: AugmentParams } {
  assertImage8(image, 'augment image');
  assertImage8(mask, 'augment mask');
  assertSameSize(image, mask, 'augmentPair');
  const params = sampleAugmentParams(seed, options);
  return {
    image: applyAugment(image, params, 'linear'),
    mask: applyAugment(mask, params, 'nearest'),
    params,
  };
}
