import { describe, expect, it } from 'vitest';
import { roundHalfEven, roundHalfEvenU8 } from './rounding.util.js';

describe('roundHalfEvenU8 (cvRound + saturate_cast<uchar>)', () => {
  it.each([
    [0.5, 0],
    [1.5, 2],
    [2.5, 2],
    [3.5, 4],
    [127.5, 128],
    [42.5, 42],
    [2.4999, 2],
    [2.5001, 3],
    [-3, 0],
    [254.5, 254],
    [255.5, 255],
    [1000, 255],
  ])('%d -> %d', (v, expected) => expect(roundHalfEvenU8(v)).toBe(expected));
});

describe('roundHalfEven', () => {
  it.each([
    [1536.5, 1536],
    [1537.5, 1538],
    [-0.5, 0],
    [-1.5, -2],
    [2047.9, 2048],
  ])('%d -> %d', (v, expected) => expect(roundHalfEven(v)).toBe(expected));
});
