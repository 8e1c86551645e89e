import { describe, expect, it } from 'vitest';
import type { Image8 } from '@ropline/core';
import { applyAugment, augmentPair, sampleAugmentParams } from './augment.op.js';
import { mulberry32 } from '@ropline/core';
import { errorCode, gray } from './test-helpers.util.js';

const none = { cropLeft: 0, cropRight: 0, cropTop: 0, cropBottom: 0, zoom: 1 };

describe('mulberry32', () => {
  it('is deterministic per seed and uniform-ish in [0, 1)', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(xs.slice(0, 5)).toEqual(Array.from({ length: 5 }, () => b()));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    expect(xs.reduce((s, x) => s + x, 0) / xs.length).toBeCloseTo(0.5, 1);
    expect(mulberry32(43)()).not.toBe(mulberry32(42)());
  });
});

describe('sampleAugmentParams', () => {
  it('stays within the paper ranges: crop 0-5 % per edge, zoom 100-110 %', () => {
    for (let seed = 0; seed < 200; seed++) {
      const p = sampleAugmentParams(seed);
      for (const c of [p.cropLeft, p.cropRight, p.cropTop, p.cropBottom]) {
        expect(c).toBeGreaterThanOrEqual(0);
        expect(c).toBeLessThan(0.05);
      }
      expect(p.zoom).toBeGreaterThanOrEqual(1);
      expect(p.zoom).toBeLessThan(1.1);
    }
    expect(sampleAugmentParams(7)).toEqual(sampleAugmentParams(7));
    expect(sampleAugmentParams(7)).not.toEqual(sampleAugmentParams(8));
  });

  it('rejects bad options', () => {
    expect(errorCode(() => sampleAugmentParams(1, { maxCrop: 0.6 }))).toBe('PREPROCESS.INVALID_INPUT');
    expect(errorCode(() => sampleAugmentParams(1, { maxZoom: 0.9 }))).toBe('PREPROCESS.INVALID_INPUT');
    expect(errorCode(() => sampleAugmentParams(Number.NaN))).toBe('PREPROCESS.INVALID_INPUT');
  });
});

describe('applyAugment', () => {
  const ramp = gray([Array.from({ length: 20 }, (_, x) => 10 * x)]);

  it('is the identity without crop or zoom', () => {
    expect(Array.from(applyAugment(ramp, none).data)).toEqual(Array.from(ramp.data));
    const rgb: Image8 = {
      data: Uint8Array.from({ length: 5 * 3 * 3 }, (_, i) => i * 5),
      width: 5,
      height: 3,
      channels: 3,
    };
    expect(Array.from(applyAugment(rgb, none).data)).toEqual(Array.from(rgb.data));
  });

  it('crops 5 % on the left: x -> 0.975 + 0.95 x, resampled to the same size', () => {
    // Source region [1, 20) of width 19 spread over 20 outputs; source x of output d = 0.975 + 0.95 d.
    const out = applyAugment(ramp, { ...none, cropLeft: 0.05 });
    expect(out.width).toBe(20);
    expect(out.data[0]).toBe(10); // 9.75 -> 10
    expect(out.data[10]).toBe(105); // 104.75 -> 105
    expect(out.data[19]).toBe(190); // 19.025 clamps at the last pixel
  });

  it('zooms about the centre: 2x maps outputs onto the middle half', () => {
    const out = applyAugment(ramp, { ...none, zoom: 2 });
    // span 10 centred at 10: source x = 5 + (d + 0.5) / 2 - 0.5 = 4.75 + d / 2.
    expect(out.data[0]).toBe(48); // 47.5 -> 48 (half up)
    expect(out.data[19]).toBe(143); // 14.25 -> 142.5 -> 143
  });

  it('keeps masks binary with nearest sampling', () => {
    const mask = gray([Array.from({ length: 20 }, (_, x) => (x % 3 === 0 ? 255 : 0))]);
    const out = applyAugment(mask, { ...none, cropLeft: 0.03, zoom: 1.07 }, 'nearest');
    expect(new Set(out.data)).toEqual(new Set([0, 255]));
  });

  it('rejects out-of-range parameters', () => {
    expect(errorCode(() => applyAugment(ramp, { ...none, zoom: 0.5 }))).toBe('PREPROCESS.INVALID_INPUT');
    expect(errorCode(() => applyAugment(ramp, { ...none, cropTop: -0.1 }))).toBe('PREPROCESS.INVALID_INPUT');
  });
});

describe('augmentPair', () => {
  it('applies the same geometry to image and mask, deterministically', () => {
    const w = 40;
    const h = 30;
    const img = gray(
      Array.from({ length: h }, (_, y) => Array.from({ length: w }, (_, x) => (x * 5 + y * 2) % 256)),
    );
    // Mask marks a block; after augmentation its pixels must coincide with where the image shows it.
    const mask = gray(
      Array.from({ length: h }, (_, y) =>
        Array.from({ length: w }, (_, x) => (x >= 10 && x < 30 && y >= 8 && y < 22 ? 255 : 0)),
      ),
    );
    const marked = gray(
      img.data.length
        ? Array.from({ length: h }, (_, y) =>
            Array.from({ length: w }, (_, x) => (mask.data[y * w + x] ? 250 : 0)),
          )
        : [],
    );
    const a = augmentPair(img, mask, 123);
    const b = augmentPair(img, mask, 123);
    expect(Array.from(a.image.data)).toEqual(Array.from(b.image.data));
    expect(Array.from(a.mask.data)).toEqual(Array.from(b.mask.data));
    expect(a.params).toEqual(sampleAugmentParams(123));
    const m2 = applyAugment(marked, a.params, 'nearest');
    expect(Array.from(m2.data).map((v) => (v ? 255 : 0))).toEqual(Array.from(a.mask.data));
    expect(Array.from(augmentPair(img, mask, 124).image.data)).not.toEqual(Array.from(a.image.data));
  });

  it('rejects an image and mask of different sizes', () => {
    expect(errorCode(() => augmentPair(gray([[1, 2]]), gray([[1]]), 1))).toBe('PREPROCESS.INVALID_INPUT');
  });
});
