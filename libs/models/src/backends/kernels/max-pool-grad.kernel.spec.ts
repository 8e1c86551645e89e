import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../init-backend.js';
import { onBackend, ParityLog, prng, randomArray, relativeError } from '../kernel-parity.fixture.js';

type Pad = 'same' | 'valid' | number;
interface Row {
  name: string;
  shape: [number, number, number, number]; // B, H, W, C
  f: number;
  s: number;
  pad: Pad;
}

// Values are quantized and ReLU'd, so most windows hold ties (often all zeros): the gradient must
// go to the first maximum in row-major order, exactly as tfjs's cpu kernel routes it.
const SHAPES: Row['shape'][] = [
  [1, 5, 5, 1],
  [2, 6, 7, 3],
  [3, 8, 8, 5],
  [1, 9, 6, 2],
  [2, 6, 7, 4], // channels % 4 == 0: the SIMD path for non-overlapping windows
  [1, 7, 9, 12],
];
const ROWS: Row[] = SHAPES.flatMap((shape) =>
  [1, 2, 3].flatMap((f) =>
    [1, 2].flatMap((s) =>
      (['same', 'valid', 1] as Pad[])
        .filter((pad) => pad !== 1 || f > 1) // tfjs requires pad < filter for a real window
        .map((pad) => ({ name: `${shape.join('x')} f${f} s${s} pad ${pad}`, shape, f, s, pad })),
    ),
  ),
);

const log = new ParityLog();
beforeAll(async () => {
  await initBackend({ backend: 'wasm' }, { log: () => undefined });
});
afterAll(() => log.print());

describe('MaxPoolGrad on wasm vs cpu (tf.grad of sum(maxPool(x)*g)), tie-heavy inputs', () => {
  it.each(ROWS)('$name', async ({ shape, f, s, pad }) => {
    const info = tf.backend_util.computePool2DInfo(shape, f, s, 1, pad);
    const rand = prng(shape[1] * 31 + f * 7 + s);
    const inputs = [
      {
        values: randomArray(
          shape.reduce((p, q) => p * q, 1),
          rand,
          2,
        ),
        shape,
      },
      {
        values: randomArray(
          info.outShape.reduce((p, q) => p * q, 1),
          rand,
        ),
        shape: info.outShape,
      },
    ];
    const grad = (x: tf.Tensor, g: tf.Tensor) => [
      tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, f, s, pad), g)))(x),
    ];
    const [cpu] = await onBackend('cpu', inputs, grad);
    const [wasm] = await onBackend('wasm', inputs, grad);
    const error = relativeError(wasm, cpu);
    log.record('MaxPoolGrad', error);
    expect(error).toBeLessThanOrEqual(1e-4);
  });

  it('routes a tied window to its first element only (hand-computed)', async () => {
    // One 2x2 window, all equal: the whole gradient (5) goes to the top-left element.
    const inputs = [{ values: new Float32Array([1, 1, 1, 1]), shape: [1, 2, 2, 1] }];
    const grad = (x: tf.Tensor) => [
      tf.grad((a: tf.Tensor) => tf.mul(tf.sum(tf.maxPool(a as tf.Tensor4D, 2, 2, 'valid')), 5))(x),
    ];
    const [wasm] = await onBackend('wasm', inputs, grad);
    expect(Array.from(wasm)).toEqual([5, 0, 0, 0]);
  });
});
