import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../init-backend.js';
import { onBackend, prng, randomArray } from '../kernel-parity.fixture.js';
import { registerTrainingKernels } from '../register-training-kernels.js';
import { repeatedBlockCount } from './tile-broadcast.kernel.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' }, { log: () => undefined });
  registerTrainingKernels();
});

describe('Tile on wasm (leading-broadcast fast path and fallback) equals cpu exactly', () => {
  it.each([
    { shape: [1, 1, 1, 5], reps: [2, 3, 4, 1] }, // batch-norm gradient: fast path
    { shape: [3, 5], reps: [4, 1] }, // axis 0 of any size: fast path
    { shape: [1, 7], reps: [6, 1] },
    { shape: [2, 3], reps: [1, 1] }, // identity
    { shape: [2, 1, 3], reps: [2, 3, 1] }, // size-2 axis 0 and a later repeat: tfjs-wasm's Tile
    { shape: [1, 2, 3], reps: [2, 2, 1] }, // axis 1 has size 2: tfjs-wasm's Tile
    { shape: [2, 3], reps: [1, 2] }, // trailing repeat: tfjs-wasm's Tile
    { shape: [4], reps: [3] },
  ])('shape $shape reps $reps', async ({ shape, reps }) => {
    const inputs = [
      {
        values: randomArray(
          shape.reduce((a, b) => a * b, 1),
          prng(shape.length + reps[0]),
        ),
        shape,
      },
    ];
    const [cpu] = await onBackend('cpu', inputs, (x) => [tf.tile(x, reps)]);
    const [wasm] = await onBackend('wasm', inputs, (x) => [tf.tile(x, reps)]);
    expect(Array.from(wasm)).toEqual(Array.from(cpu));
  });

  it.each([
    [[1, 1, 1, 5], [2, 3, 4, 1], 24],
    [[3, 5], [4, 1], 4],
    [[2, 1, 3], [2, 3, 1], 0],
    [[1, 2, 3], [2, 2, 1], 0],
    [[2, 3], [1, 2], 0],
    [[2, 3], [1, 1], 1],
  ])('repeatedBlockCount(%j, %j) = %i', (shape, reps, expected) => {
    expect(repeatedBlockCount(shape, reps)).toBe(expected);
  });
});
