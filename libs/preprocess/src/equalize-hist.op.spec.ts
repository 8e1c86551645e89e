import { describe, expect, it } from 'vitest';
import { equalizeHist } from './equalize-hist.op.js';
import { errorCode, gray, rowsOf } from './test-helpers.util.js';

describe('equalizeHist', () => {
  // scale = 255 / (total - hist[first]) in float32, cumsum * scale rounded half to even.
  it.each([
    // 255/2 = 127.5: bin 1 -> 127.5 -> 128 (even), bin 2 -> 255.
    [
      '2x2 with a repeated minimum',
      [
        [0, 0],
        [1, 2],
      ],
      [
        [0, 0],
        [128, 255],
      ],
    ],
    // 255/6 = 42.5: 42.5 -> 42 and 212.5 -> 212 (half to even, not up).
    ['7x1 ramp, ties to even', [[0, 1, 2, 3, 4, 5, 6]], [[0, 42, 85, 128, 170, 212, 255]]],
    ['1x3 column', [[10], [20], [30]], [[0], [128], [255]]],
    // 8 black pixels, one bright: 255 / (9 - 8) maps it to 255.
    [
      'single bright pixel',
      [
        [0, 0, 0],
        [0, 200, 0],
        [0, 0, 0],
      ],
      [
        [0, 0, 0],
        [0, 255, 0],
        [0, 0, 0],
      ],
    ],
    // A constant image stays as it is (OpenCV's special case), not 0.
    [
      'constant image',
      [
        [7, 7],
        [7, 7],
      ],
      [
        [7, 7],
        [7, 7],
      ],
    ],
    ['1x1 image', [[99]], [[99]]],
  ])('%s', (_name, input, expected) => {
    expect(rowsOf(equalizeHist(gray(input)))).toEqual(expected);
  });

  it('does not modify its input', () => {
    const img = gray([[5, 6, 7]]);
    equalizeHist(img);
    expect(Array.from(img.data)).toEqual([5, 6, 7]);
  });

  it('rejects RGB, empty and inconsistent images', () => {
    expect(errorCode(() => equalizeHist({ data: new Uint8Array(3), width: 1, height: 1, channels: 3 }))).toBe(
      'PREPROCESS.INVALID_INPUT',
    );
    expect(errorCode(() => equalizeHist({ data: new Uint8Array(0), width: 0, height: 0, channels: 1 }))).toBe(
      'PREPROCESS.INVALID_INPUT',
    );
    expect(errorCode(() => equalizeHist({ data: new Uint8Array(5), width: 2, height: 2, channels: 1 }))).toBe(
      'PREPROCESS.INVALID_INPUT',
    );
  });
});
