import { describe, expect, it } from 'vitest';
import type { Image8 } from '@ropline/core';
import { toGray } from './to-gray.op.js';
import { errorCode } from './test-helpers.util.js';

const rgb = (...px: [number, number, number][]): Image8 => ({
  data: Uint8Array.from(px.flat()),
  width: px.length,
  height: 1,
  channels: 3,
});

describe('toGray', () => {
  it.each([
    [[0, 0, 0], 0],
    [[100, 100, 100], 100],
    [[255, 255, 255], 255],
    [[1, 0, 0], 0], // 0.3
    [[2, 0, 0], 1], // 0.6
    [[5, 0, 0], 2], // 1.5 -> half up
    [[255, 0, 0], 77], // 76.5 -> half up
    [[0, 255, 0], 150], // 150.45
    [[0, 0, 255], 28], // 28.05
    [[10, 20, 30], 18], // 3 + 11.8 + 3.3 = 18.1
  ] as [[number, number, number], number][])('paper weights %o -> %d', (px, expected) => {
    expect(Array.from(toGray(rgb(px)).data)).toEqual([expected]);
  });

  it('computes exactly for other decimal weights and reads weights to 6 decimals', () => {
    expect(Array.from(toGray(rgb([1, 0, 0], [3, 0, 0]), [0.5, 0.5, 0]).data)).toEqual([1, 2]); // 0.5 -> 1, 1.5 -> 2
    // OpenCV's BT.601 weights: 0.299*200 + 0.587*100 + 0.114*50 = 124.2
    expect(Array.from(toGray(rgb([200, 100, 50]), [0.299, 0.587, 0.114]).data)).toEqual([124]);
    // 1/3 each is taken as 0.333333: 3 * 0.333333 * 255 = 254.99975 -> 255.
    expect(Array.from(toGray(rgb([255, 255, 255]), [1 / 3, 1 / 3, 1 / 3]).data)).toEqual([255]);
    // Weights summing past 1 saturate.
    expect(Array.from(toGray(rgb([200, 200, 200]), [1, 1, 0]).data)).toEqual([255]);
  });

  it('keeps the layout: 2x2 RGB -> 2x2 gray, row-major', () => {
    const img: Image8 = {
      data: Uint8Array.from([10, 10, 10, 20, 20, 20, 30, 30, 30, 40, 40, 40]),
      width: 2,
      height: 2,
      channels: 3,
    };
    const g = toGray(img);
    expect([g.width, g.height, g.channels]).toEqual([2, 2, 1]);
    expect(Array.from(g.data)).toEqual([10, 20, 30, 40]);
  });

  it('passes 1-channel input through as a copy', () => {
    const img: Image8 = { data: Uint8Array.from([1, 2, 3]), width: 3, height: 1, channels: 1 };
    const g = toGray(img);
    expect(Array.from(g.data)).toEqual([1, 2, 3]);
    expect(g.data).not.toBe(img.data);
  });

  it.each([[[-0.1, 0.5, 0.5]], [[0, 0, 0]], [[Number.NaN, 0, 1]], [[2, 0, 0]], [[0.5, 0.5]]])(
    'rejects weights %o',
    (w) => {
      expect(errorCode(() => toGray(rgb([1, 2, 3]), w as unknown as [number, number, number]))).toBe(
        'PREPROCESS.INVALID_INPUT',
      );
    },
  );

  it('rejects a data length mismatch', () => {
    expect(errorCode(() => toGray({ data: new Uint8Array(5), width: 1, height: 2, channels: 3 }))).toBe(
      'PREPROCESS.INVALID_INPUT',
    );
  });
});
