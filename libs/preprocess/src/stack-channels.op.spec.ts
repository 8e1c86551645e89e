import { describe, expect, it } from 'vitest';
import type { ImageF32 } from '@ropline/core';
import { stackChannels } from './stack-channels.op.js';
import { errorCode, gray } from './test-helpers.util.js';

describe('stackChannels', () => {
  it('interleaves [image, mask as 0/1] per pixel', () => {
    const img: ImageF32 = { data: Float32Array.from([-1.5, 0, 2.25]), width: 3, height: 1, channels: 1 };
    const out = stackChannels(img, gray([[0, 255, 7]]));
    expect([out.width, out.height, out.channels]).toEqual([3, 1, 2]);
    expect(Array.from(out.data)).toEqual([-1.5, 0, 0, 1, 2.25, 1]);
  });

  it('rejects mismatched sizes and multi-channel inputs', () => {
    const img: ImageF32 = { data: new Float32Array(2), width: 2, height: 1, channels: 1 };
    expect(errorCode(() => stackChannels(img, gray([[1]])))).toBe('PREPROCESS.INVALID_INPUT');
    expect(
      errorCode(() => stackChannels({ ...img, channels: 2, data: new Float32Array(4) }, gray([[1, 1]]))),
    ).toBe('PREPROCESS.INVALID_INPUT');
    expect(errorCode(() => stackChannels({ ...img, data: new Float32Array(3) }, gray([[1, 1]])))).toBe(
      'PREPROCESS.INVALID_INPUT',
    );
  });
});
