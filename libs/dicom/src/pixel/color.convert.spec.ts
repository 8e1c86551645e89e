import { describe, expect, it } from 'vitest';
import { expandYbr422, interleave, ybrFullToRgb } from './color.convert.js';

describe('ybrFullToRgb (PS3.3 C.7.6.3.1.2, full range)', () => {
  it.each([
    ['neutral gray', [128, 128, 128], [128, 128, 128]],
    // JPEG YCbCr of pure red is (76.245, 84.97, 255.5): R = 76 + 1.402 * 127 = 254.05,
    // G = 76 + 0.344136 * 43 - 0.714136 * 127 = 0.10, B = 76 - 1.772 * 43 = -0.20 -> 0
    ['red', [76, 85, 255], [254, 0, 0]],
    // R = 255 + 1.402 * 127 overflows -> 255; G = 255 + 0.344136 * 128 - 0.714136 * 127 = 208.35;
    // B = 255 - 1.772 * 128 = 28.18
    ['clamps above 255', [255, 0, 255], [255, 208, 28]],
    // G = 0 - 0.344136 * 127 - 0.714136 * 127 = -134 -> 0; R = 0 + 178.05; B = 0 + 225.04
    ['clamps below 0', [0, 255, 255], [178, 0, 225]],
    // 0.5 rounds up: Y=100, Cb=128, Cr=128 + 1 -> R = 101.402 -> 101
    ['rounds', [100, 128, 129], [101, 99, 100]],
  ])('%s', (_n, ybr, rgb) => {
    expect(Array.from(ybrFullToRgb(Uint8Array.from(ybr)))).toEqual(rgb);
  });
});

describe('expandYbr422', () => {
  it('replicates each pair chroma to both pixels', () => {
    // 4x1: pairs (Y1 Y2 Cb Cr) = (10 20 100 200), (30 40 110 210)
    const src = Uint8Array.from([10, 20, 100, 200, 30, 40, 110, 210]);
    expect(Array.from(expandYbr422(src, 1, 4))).toEqual([
      10, 100, 200, 20, 100, 200, 30, 110, 210, 40, 110, 210,
    ]);
  });

  it('handles an odd width (last pair padded)', () => {
    const src = Uint8Array.from([1, 2, 50, 60, 3, 0, 70, 80, 4, 5, 51, 61, 6, 0, 71, 81]);
    expect(Array.from(expandYbr422(src, 2, 3))).toEqual([
      1, 50, 60, 2, 50, 60, 3, 70, 80, 4, 51, 61, 5, 51, 61, 6, 71, 81,
    ]);
  });
});

describe('interleave', () => {
  it('turns planes into pixels', () => {
    const planar = Uint16Array.from([1, 2, 10, 20, 100, 200]);
    expect(Array.from(interleave(planar, 2, 3, (n) => new Uint16Array(n)))).toEqual([1, 10, 100, 2, 20, 200]);
  });
});
