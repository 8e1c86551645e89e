import { describe, expect, it } from 'vitest';
import { grayStats, standardize } from './standardize.op.js';
import { errorCode, gray } from './test-helpers.util.js';

describe('standardize', () => {
  it('subtracts the mean and divides by the population std', () => {
    // mean 3, population variance (9 + 1 + 1 + 9) / 4 = 5.
    const out = standardize(
      gray([
        [0, 2],
        [4, 6],
      ]),
    );
    const s = Math.sqrt(5);
    expect(out.channels).toBe(1);
    expect(out.data).toBeInstanceOf(Float32Array);
    Array.from(out.data).forEach((v, i) => expect(v).toBeCloseTo([-3 / s, -1 / s, 1 / s, 3 / s][i], 6));
  });

  it('gives zeros, not NaN, for a constant image', () => {
    expect(Array.from(standardize(gray([[9, 9, 9]])).data)).toEqual([0, 0, 0]);
  });

  it('takes statistics over the mask only and applies them everywhere', () => {
    // Masked pixels 10, 20: mean 15, std 5.
    const out = standardize(gray([[0, 0, 10, 20]]), gray([[0, 0, 255, 1]]));
    expect(Array.from(out.data)).toEqual([-3, -3, -1, 1]);
    expect(grayStats(gray([[0, 0, 10, 20]]), gray([[0, 0, 255, 1]]))).toEqual({ mean: 15, std: 5, count: 2 });
  });

  it('gives zeros for an empty mask', () => {
    const out = standardize(gray([[1, 2]]), gray([[0, 0]]));
    expect(Array.from(out.data)).toEqual([0, 0]);
    expect(grayStats(gray([[1, 2]]), gray([[0, 0]])).count).toBe(0);
  });

  it('handles a single bright pixel', () => {
    // 8 zeros and 9: mean 1, variance (8 * 1 + 64) / 9 = 8.
    const out = standardize(
      gray([
        [0, 0, 0],
        [0, 9, 0],
        [0, 0, 0],
      ]),
    );
    expect(out.data[4]).toBeCloseTo(8 / Math.sqrt(8), 6);
    expect(out.data[0]).toBeCloseTo(-1 / Math.sqrt(8), 6);
  });

  it('rejects a mask of another size or RGB input', () => {
    expect(errorCode(() => standardize(gray([[1, 2]]), gray([[1]])))).toBe('PREPROCESS.INVALID_INPUT');
    expect(errorCode(() => standardize({ data: new Uint8Array(3), width: 1, height: 1, channels: 3 }))).toBe(
      'PREPROCESS.INVALID_INPUT',
    );
  });
});
