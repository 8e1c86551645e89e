import { describe, expect, it } from 'vitest';
import type { Image8 } from '@ropline/core';
import { assertImage8 } from './image-guard.util.js';
import { errorCode } from './test-helpers.util.js';

describe('assertImage8', () => {
  it.each([
    ['null', null],
    ['a plain array as data', { data: [1, 2], width: 2, height: 1, channels: 1 }],
    ['zero width', { data: new Uint8Array(0), width: 0, height: 1, channels: 1 }],
    ['fractional height', { data: new Uint8Array(2), width: 1, height: 1.5, channels: 1 }],
    ['NaN size', { data: new Uint8Array(1), width: Number.NaN, height: 1, channels: 1 }],
    ['2 channels', { data: new Uint8Array(2), width: 1, height: 1, channels: 2 }],
    ['short data', { data: new Uint8Array(5), width: 2, height: 1, channels: 3 }],
  ])('rejects %s', (_name, img) => {
    expect(errorCode(() => assertImage8(img as unknown as Image8))).toBe('PREPROCESS.INVALID_INPUT');
  });

  it('accepts valid images and names the problem in the message', () => {
    expect(errorCode(() => assertImage8({ data: new Uint8Array(6), width: 2, height: 1, channels: 3 }))).toBe(
      'no error',
    );
    expect(() =>
      assertImage8({ data: new Uint8Array(5), width: 2, height: 1, channels: 3 }, 'clahe input'),
    ).toThrow(/clahe input: data length 5 does not match 2x1x3 = 6/);
  });
});
