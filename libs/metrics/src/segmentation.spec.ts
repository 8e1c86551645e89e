import { describe, expect, it } from 'vitest';
import { dice, iou, maskIou, type BinaryMask } from './segmentation.js';

const m = (bits: number[], width = 3): BinaryMask => ({
  width,
  height: bits.length / width,
  data: Uint8Array.from(bits),
});

describe('dice / iou', () => {
  it.each([
    // |A| = 3, |B| = 2, |A∩B| = 1 (values > 1 count as inside): Dice 2/5, IoU 1/4
    { a: [1, 1, 1, 0, 0, 0], b: [0, 0, 255, 7, 0, 0], dice: 0.4, iou: 0.25 },
    { a: [1, 0, 0, 0, 0, 0], b: [1, 0, 0, 0, 0, 0], dice: 1, iou: 1 },
    { a: [1, 0, 0, 0, 0, 0], b: [0, 0, 0, 0, 0, 0], dice: 0, iou: 0 },
    { a: [0, 0, 0, 0, 0, 0], b: [0, 0, 0, 0, 0, 0], dice: 1, iou: 1 }, // both empty: agreement
  ])('Dice $dice, IoU $iou', (c) => {
    expect(dice(m(c.a), m(c.b))).toBe(c.dice);
    expect(iou(m(c.a), m(c.b))).toBe(c.iou);
  });

  it('gives 0 overlap for two empty masks when matching detections', () => {
    expect(maskIou(m([0, 0, 0]), m([0, 0, 0]))).toBe(0);
  });

  it('rejects size mismatches and short data', () => {
    expect(() => dice(m([1, 0, 0, 0, 0, 0]), m([1, 0, 0, 0, 0, 0], 2))).toThrow(/size mismatch/);
    expect(() => iou({ width: 2, height: 2, data: new Uint8Array(3) }, m([0, 0, 0, 0], 2))).toThrow(
      /3 bytes/,
    );
  });
});
