import { describe, expect, it } from 'vitest';
import { fundusLikeGeometry, makeFundusLike } from './fundus-like.fixture.js';
import { mulberry32 } from '@ropline/core';
import { makeConstant, makeGradient, makeNoise } from './synthetic-images.fixture.js';

describe('makeFundusLike', () => {
  it('is deterministic in (size, seed) and RGB', () => {
    const a = makeFundusLike(120, 90, 3);
    expect([a.width, a.height, a.channels, a.data.length]).toEqual([120, 90, 3, 120 * 90 * 3]);
    expect(Array.from(makeFundusLike(120, 90, 3).data)).toEqual(Array.from(a.data));
    expect(Array.from(makeFundusLike(120, 90, 4).data)).not.toEqual(Array.from(a.data));
  });

  it('is black outside the aperture and orange-red (R > G > B) inside', () => {
    const w = 200;
    const h = 150;
    const img = makeFundusLike(w, h, 9);
    const { cx, cy, radius } = fundusLikeGeometry(w, h, 9);
    expect(img.data[0]).toBeLessThan(10); // top-left corner is outside a centred aperture
    let r = 0;
    let g = 0;
    let b = 0;
    let n = 0;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        if (Math.hypot(x + 0.5 - cx, y + 0.5 - cy) < radius * 0.8) {
          const o = (y * w + x) * 3;
          r += img.data[o];
          g += img.data[o + 1];
          b += img.data[o + 2];
          n++;
        }
      }
    }
    expect(r / n).toBeGreaterThan(g / n);
    expect(g / n).toBeGreaterThan(b / n);
    expect(r / n).toBeGreaterThan(100);
  });
});

describe('synthetic images', () => {
  it('are deterministic, 1-channel and of the requested size', () => {
    expect(Array.from(makeNoise(5, 3, 1).data)).toEqual(Array.from(makeNoise(5, 3, 1).data));
    expect(makeGradient(7, 2).data.length).toBe(14);
    expect(Array.from(makeConstant(2, 2, 9).data)).toEqual([9, 9, 9, 9]);
    expect(makeGradient(1, 1).channels).toBe(1);
  });

  it('mulberry32 gives the same stream for the same seed', () => {
    const a = mulberry32(1);
    const b = mulberry32(1);
    expect([a(), a(), a()]).toEqual([b(), b(), b()]);
  });
});
