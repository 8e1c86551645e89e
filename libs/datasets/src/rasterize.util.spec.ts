import { describe, expect, it } from 'vitest';
import { mulberry32 } from '@ropline/core';
import { countOn, createMask, fillEllipse, fillPolygon, fillRect, strokePolyline } from './rasterize.util.js';

/** Even-odd point-in-polygon by ray casting: the oracle for the scanline fill. */
function inside(px: number, py: number, xs: number[], ys: number[]): boolean {
  let c = false;
  for (let i = 0, j = xs.length - 1; i < xs.length; j = i++) {
    if (ys[i] > py !== ys[j] > py && px < ((xs[j] - xs[i]) * (py - ys[i])) / (ys[j] - ys[i]) + xs[i]) c = !c;
  }
  return c;
}

describe('rasterize', () => {
  it('fills a rectangle exactly (integer corners)', () => {
    const m = createMask(20, 10);
    const r = fillRect(m, 3, 2, 5, 4);
    expect(r).toEqual({ pixels: 20, clipped: false });
    for (let y = 0; y < 10; y++)
      for (let x = 0; x < 20; x++)
        expect(m.data[y * 20 + x]).toBe(x >= 3 && x < 8 && y >= 2 && y < 6 ? 255 : 0);
  });

  it('fills polygons by pixel centres with the even-odd rule (random and self-intersecting)', () => {
    const rnd = mulberry32(11);
    for (let t = 0; t < 30; t++) {
      const n = 3 + Math.floor(rnd() * 7);
      const xs = Array.from({ length: n }, () => rnd() * 50 - 5);
      const ys = Array.from({ length: n }, () => rnd() * 40 - 5);
      const m = createMask(40, 30);
      fillPolygon(m, xs, ys);
      for (let y = 0; y < 30; y++)
        for (let x = 0; x < 40; x++) {
          const want = inside(x + 0.5, y + 0.5, xs, ys);
          // Points exactly on an edge may go either way; random float vertices make that measure-zero.
          expect(m.data[y * 40 + x] === 255, `poly ${t} at ${x},${y}`).toBe(want);
        }
    }
  });

  it('reports clipping and draws nothing for a shape fully outside', () => {
    const m = createMask(10, 10);
    expect(fillPolygon(m, [20, 30, 25], [20, 20, 30])).toEqual({ pixels: 0, clipped: true });
    expect(fillRect(m, -2, -2, 4, 4)).toEqual({ pixels: 4, clipped: true });
  });

  it('draws ellipses and stroked polylines', () => {
    const m = createMask(21, 21);
    fillEllipse(m, 10.5, 10.5, 5, 5);
    expect(m.data[10 * 21 + 10]).toBe(255);
    expect(m.data[10 * 21 + 16]).toBe(0);
    expect(countOn(m)).toBeGreaterThan(70);
    expect(countOn(m)).toBeLessThan(90);
    const l = createMask(20, 10);
    strokePolyline(l, [2, 17], [5, 5], 2);
    // Rows 4 and 5 (centres 0.5 from the line); x 1..17 (caps of radius 1 reach centres 1.5 and 17.5).
    expect(countOn(l)).toBe(17 * 2);
  });
});
