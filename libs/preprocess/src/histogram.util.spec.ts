import { describe, expect, it } from 'vitest';
import { applyLut256, histogram256 } from './histogram.util.js';

describe('histogram256', () => {
  it('counts every value, whatever the length and alignment', () => {
    const backing = new Uint8Array(16);
    backing.set([9, 1, 1, 2, 255, 1, 0], 1);
    for (const [start, len] of [
      [1, 7],
      [1, 3],
      [2, 5],
      [3, 1],
    ]) {
      const view = backing.subarray(start, start + len);
      const h = histogram256(view);
      const expected = new Int32Array(256);
      for (const v of view) expected[v]++;
      expect(Array.from(h)).toEqual(Array.from(expected));
    }
  });

  it('handles a long run of one value', () => {
    const h = histogram256(new Uint8Array(1001).fill(7));
    expect(h[7]).toBe(1001);
    expect(h.reduce((a, b) => a + b, 0)).toBe(1001);
  });
});

describe('applyLut256', () => {
  it('maps every byte, aligned and unaligned', () => {
    const lut = new Uint8Array(256).map((_, i) => 255 - i);
    const src = Uint8Array.from([0, 1, 2, 3, 4, 250, 255]);
    const dst = new Uint8Array(7);
    applyLut256(src, lut, dst);
    expect(Array.from(dst)).toEqual([255, 254, 253, 252, 251, 5, 0]);
    const buf = new Uint8Array(12);
    const out = buf.subarray(1, 8);
    applyLut256(src, lut, out);
    expect(Array.from(out)).toEqual([255, 254, 253, 252, 251, 5, 0]);
  });
});
