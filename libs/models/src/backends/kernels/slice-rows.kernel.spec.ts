import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../init-backend.js';
import { onBackend, prng, randomArray } from '../kernel-parity.fixture.js';
import { registerTrainingKernels } from '../register-training-kernels.js';
import { sliceRuns } from './slice-rows.kernel.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' }, { log: () => undefined });
  registerTrainingKernels();
});

describe('Slice on wasm (whole-run copies and fallback) equals cpu exactly', () => {
  it.each([
    { shape: [1, 20, 24, 4], begin: [0, 2, 3, 0], size: [1, 15, 18, 4] }, // U-Net crop: runs of 72
    { shape: [2, 9, 40, 1], begin: [0, 1, 2, 0], size: [2, 7, 35, 1] }, // runs of 35
    { shape: [2, 5, 6, 8], begin: [1, 0, 0, 0], size: [1, 3, 6, 8] }, // contiguous: tfjs-wasm
    { shape: [1, 6, 6, 8], begin: [0, 0, 0, 2], size: [1, 6, 6, 3] }, // runs of 3: tfjs-wasm
    { shape: [3, 40], begin: [1, 4], size: [2, -1] },
  ])('shape $shape begin $begin size $size', async ({ shape, begin, size }) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const inputs = [{ values: randomArray(n, prng(n)), shape }];
    const [cpu] = await onBackend('cpu', inputs, (x) => [tf.slice(x, begin, size)]);
    const [wasm] = await onBackend('wasm', inputs, (x) => [tf.slice(x, begin, size)]);
    expect(Array.from(wasm)).toEqual(Array.from(cpu));
  });

  it('merges the whole trailing axes into the run', () => {
    expect(sliceRuns([1, 299, 304, 4], [0, 0, 2, 0], [1, 299, 299, 4])).toEqual({
      outerShape: [1, 299],
      run: 1196,
      offset: 8,
      strides: [363584, 1216],
    });
    expect(sliceRuns([1, 6, 6, 8], [0, 0, 0, 2], [1, 6, 6, 3])).toBeNull();
  });
});
