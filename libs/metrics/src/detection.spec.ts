import { describe, expect, it } from 'vitest';
import { isRopError } from '@ropline/core';
import {
  averagePrecision,
  boxIou,
  meanAveragePrecision,
  vocAp,
  type Box,
  type Detection,
  type DetectionTruth,
} from './detection.js';

const B10: Box = [0, 0, 9, 9]; // 10 x 10 pixels with the +1 convention
const det = (imageId: string, label: string, confidence: number, box: Box): Detection => ({
  imageId,
  label,
  confidence,
  box,
});

describe('boxIou (Cartucho/VOC +1 pixel convention)', () => {
  it.each([
    { a: [0, 0, 0, 0], b: [0, 0, 0, 0], iou: 1, why: 'a one-pixel box overlaps itself' },
    { a: [0, 0, 1, 1], b: [1, 1, 2, 2], iou: 1 / 7, why: '1 px shared of 4 + 4 - 1' },
    { a: B10, b: [0, 0, 9, 4], iou: 0.5, why: '50 of 100 px' },
    { a: B10, b: [10, 0, 19, 9], iou: 0, why: 'touching, no shared pixel' },
  ])('$why', ({ a, b, iou }) => expect(boxIou(a as Box, b as Box)).toBeCloseTo(iou, 15));
});

describe('vocAp', () => {
  it('makes precision monotone and sums over recall steps', () => {
    // mpre after the right-to-left max: [1, 1, .5, .5, .5, 0] -> .5 * 1 + .5 * .5
    expect(vocAp([0.5, 0.5, 0.5, 1], [1, 0.5, 1 / 3, 0.5])).toBe(0.75);
    expect(vocAp([], [])).toBe(0);
  });
});

describe('averagePrecision / meanAveragePrecision', () => {
  // ridge: one truth in img1 and img2; img3 has no truth at all.
  const truths: DetectionTruth[] = [
    { imageId: 'img1', label: 'ridge', box: B10 },
    { imageId: 'img2', label: 'ridge', box: B10 },
    { imageId: 'img2', label: 'line', box: [20, 20, 29, 29] },
  ];
  const dets: Detection[] = [
    det('img2', 'ridge', 0.6, [0, 0, 9, 4]), // IoU 0.5 >= 0.5 -> TP (4th by confidence)
    det('img1', 'ridge', 0.9, B10), // TP
    det('img1', 'ridge', 0.8, B10), // duplicate of a used truth -> FP
    det('img3', 'ridge', 0.7, B10), // image without truth -> FP
    det('img1', 'ghost', 0.99, B10), // class absent from the truth: ignored by mAP
  ];

  it('matches the hand-computed table (duplicates, an image without truth)', () => {
    // Sorted: TP FP FP TP -> precision 1 .5 1/3 .5, recall .5 .5 .5 1 -> AP .5 + .5 * .5 = .75
    const r = averagePrecision(truths, dets, { label: 'ridge' });
    expect(r).toEqual({
      ap: 0.75,
      precision: [1, 0.5, 1 / 3, 0.5],
      recall: [0.5, 0.5, 0.5, 1],
      tp: 2,
      fp: 2,
      truthCount: 2,
    });
    // A stricter threshold turns the half-overlapping detection into an FP: AP = .5 * 1.
    expect(averagePrecision(truths, dets, { label: 'ridge', iouThreshold: 0.51 }).ap).toBe(0.5);
  });

  it('averages over ground-truth classes; a class without detections has AP 0', () => {
    const r = meanAveragePrecision(truths, dets);
    expect(r.ap).toEqual({ line: 0, ridge: 0.75 });
    expect(r.mAP).toBe(0.375);
  });

  it("follows Cartucho's rule: the max-IoU truth, a duplicate if it is used (no fallback)", () => {
    const t: DetectionTruth[] = [
      { imageId: 'i', label: 'r', box: B10 },
      { imageId: 'i', label: 'r', box: [5, 0, 14, 9] },
    ];
    // d2 overlaps the first truth 80/120 and the second 70/130 (>= .5 too), but the first is used.
    const r = averagePrecision(t, [det('i', 'r', 0.9, B10), det('i', 'r', 0.8, [2, 0, 11, 9])]);
    expect([r.tp, r.fp, r.ap]).toEqual([1, 1, 0.5]);
  });

  it('matches masks by mask IoU', () => {
    const mask = (bits: number[]) => ({ width: 2, height: 2, data: Uint8Array.from(bits) });
    const t: DetectionTruth[] = [{ imageId: 'i', label: 'r', mask: mask([1, 1, 0, 0]) }];
    const half = averagePrecision(t, [{ ...t[0], confidence: 1, mask: mask([1, 1, 1, 1]) }], { iou: 'mask' });
    expect(half.ap).toBe(1); // IoU 2/4 = .5
    const low = averagePrecision(t, [{ ...t[0], confidence: 1, mask: mask([1, 0, 1, 1]) }], { iou: 'mask' });
    expect(low.ap).toBe(0); // IoU 1/4
  });

  it('rejects missing boxes, NaN confidences and bad thresholds', () => {
    const bad = [
      () => averagePrecision([{ imageId: 'i', label: 'r' }], [det('i', 'r', 1, B10)]),
      () => averagePrecision(truths, [det('img1', 'ridge', NaN, B10)]),
      () => averagePrecision(truths, dets, { iouThreshold: 2 }),
      () => meanAveragePrecision([], []),
    ];
    for (const fn of bad)
      expect(() => fn()).toThrow(expect.objectContaining({ code: 'METRICS.INVALID_INPUT' }));
    expect(isRopError(new Error())).toBe(false);
  });
});
