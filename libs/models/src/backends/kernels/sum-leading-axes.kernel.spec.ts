import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../init-backend.js';
import { onBackend, ParityLog, prng, randomArray, relativeError } from '../kernel-parity.fixture.js';

const ROWS: { shape: number[]; axis: number | number[]; keepDims: boolean; out: number[] }[] = [
  { shape: [2, 3, 4, 5], axis: [0, 1, 2], keepDims: false, out: [5] }, // bias gradient (fast path)
  { shape: [2, 3, 4, 5], axis: [2, 0, 1], keepDims: true, out: [1, 1, 1, 5] }, // unordered axes
  { shape: [7, 3], axis: 0, keepDims: false, out: [3] },
  { shape: [5, 1, 3], axis: [-3, -2], keepDims: false, out: [3] }, // negative axes
  { shape: [2, 3, 4, 5], axis: [1, 2], keepDims: false, out: [2, 5] }, // not leading: tfjs-wasm's Sum
  { shape: [2, 3, 4, 5], axis: [0, 1, 2, 3], keepDims: false, out: [] }, // all axes: tfjs-wasm's Sum
  { shape: [6, 5], axis: -1, keepDims: true, out: [6, 1] },
];

const log = new ParityLog();
beforeAll(async () => {
  await initBackend({ backend: 'wasm' }, { log: () => undefined });
});
afterAll(() => log.print());

describe('Sum on wasm (leading-axes fast path and fallback) vs cpu', () => {
  it.each(ROWS)('shape $shape axis $axis keepDims $keepDims', async ({ shape, axis, keepDims, out }) => {
    const rand = prng(shape.length * 13 + shape[0]);
    const inputs = [
      {
        values: randomArray(
          shape.reduce((p, q) => p * q, 1),
          rand,
        ),
        shape,
      },
    ];
    const run = (x: tf.Tensor) => [tf.sum(x, axis, keepDims)];
    const [cpu] = await onBackend('cpu', inputs, run);
    const [wasm, wasmShape] = await onBackend('wasm', inputs, (x) => {
      const y = tf.sum(x, axis, keepDims);
      return [y, tf.tensor1d(y.shape)];
    });
    const error = relativeError(wasm, cpu);
    log.record('Sum', error);
    expect(error).toBeLessThanOrEqual(1e-5);
    expect(Array.from(wasmShape)).toEqual(out);
  });

  it('sums the columns of a hand-computed matrix', async () => {
    const inputs = [{ values: new Float32Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), shape: [5, 2] }];
    const [wasm] = await onBackend('wasm', inputs, (x) => [tf.sum(x, 0)]);
    expect(Array.from(wasm)).toEqual([25, 30]);
  });
});
