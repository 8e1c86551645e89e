import { describe, expect, it } from 'vitest';
import { resize } from './resize.op.js';
import { errorCode, gray, rowsOf } from './test-helpers.util.js';

describe('resize', () => {
  it.each([
    // Exact 2x2 shrink: OpenCV's SIMD box filter (sum + 2) >> 2, i.e. half up: 14/4 = 3.5 -> 4.
    [
      'area 4x4 -> 2x2',
      [
        [1, 2, 3, 4],
        [5, 6, 7, 8],
        [9, 10, 11, 12],
        [13, 14, 15, 16],
      ],
      2,
      2,
      'area',
      [
        [4, 6],
        [12, 14],
      ],
    ],
    [
      'area 2x2 block sum 2 rounds up',
      [
        [0, 0, 1, 3],
        [1, 1, 3, 3],
      ],
      2,
      1,
      'area',
      [[1, 3]],
    ],
    // Exact 2x1 shrink is the scalar path: sum * 0.5f then half to even: 2.5 -> 2, 0.5 -> 0.
    ['area 4x1 -> 2x1 ties to even', [[2, 3, 0, 1]], 2, 1, 'area', [[2, 0]]],
    // Factor 1.5: taps (1, 0.5)/1.5 and (0.5, 1)/1.5: 90/3 = 30, 90/3 + 180*2/3 = 150.
    ['area 3x1 -> 2x1 (non-integer)', [[0, 90, 180]], 2, 1, 'area', [[30, 150]]],
    // Half-pixel centres: x = (dx + 0.5) / 2 - 0.5 -> -0.25 (clamped), 0.25, 0.75, 1.25 (clamped).
    ['linear 2x1 -> 4x1', [[0, 100]], 4, 1, 'linear', [[0, 25, 75, 100]]],
    ['linear 1x2 -> 1x4', [[0], [100]], 1, 4, 'linear', [[0], [25], [75], [100]]],
    ['auto upscales bilinearly', [[0, 100]], 4, 1, 'auto', [[0, 25, 75, 100]]],
    ['auto shrinks by area', [[0, 90, 180]], 2, 1, 'auto', [[30, 150]]],
    [
      '1x1 -> 3x2 replicates',
      [[77]],
      3,
      2,
      'auto',
      [
        [77, 77, 77],
        [77, 77, 77],
      ],
    ],
    ['17x1 -> 1x1 averages', [Array.from({ length: 17 }, (_, i) => i * 10)], 1, 1, 'area', [[80]]],
  ] as const)('%s', (_name, input, w, h, interp, expected) => {
    expect(rowsOf(resize(gray(input), w, h, interp))).toEqual(expected);
  });

  it('keeps a constant image constant at any scale', () => {
    const img = gray(Array.from({ length: 7 }, () => Array.from({ length: 11 }, () => 123)));
    for (const [w, h] of [
      [3, 2],
      [29, 13],
      [5, 30],
    ]) {
      for (const interp of ['area', 'linear'] as const)
        expect(new Set(resize(img, w, h, interp).data)).toEqual(new Set([123]));
    }
  });

  it('defaults to the 299 x 299 model size and copies same-size input', () => {
    const img = gray([
      [1, 2],
      [3, 4],
    ]);
    const r = resize(img);
    expect([r.width, r.height, r.channels]).toEqual([299, 299, 1]);
    const same = resize(img, 2, 2);
    expect(rowsOf(same)).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(same.data).not.toBe(img.data);
  });

  it.each([
    [0, 10],
    [10, -1],
    [2.5, 3],
    [100000, 2],
  ])('rejects target %d x %d', (w, h) => {
    expect(errorCode(() => resize(gray([[1]]), w, h))).toBe('PREPROCESS.INVALID_INPUT');
  });

  it('rejects an unknown interpolation and RGB input', () => {
    expect(errorCode(() => resize(gray([[1]]), 2, 2, 'cubic' as never))).toBe('PREPROCESS.INVALID_INPUT');
    expect(errorCode(() => resize({ data: new Uint8Array(3), width: 1, height: 1, channels: 3 }, 2, 2))).toBe(
      'PREPROCESS.INVALID_INPUT',
    );
  });
});
