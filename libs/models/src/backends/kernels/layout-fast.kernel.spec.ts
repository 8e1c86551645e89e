import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../init-backend.js';
import {
  onBackend,
  ParityLog,
  prng,
  randomArray,
  relativeError,
  type Named,
} from '../kernel-parity.fixture.js';

const log = new ParityLog();
beforeAll(async () => {
  await initBackend({ backend: 'wasm' }, { log: () => undefined });
});
afterAll(() => log.print());

const named = (shape: number[], seed: number, positive = false): Named => {
  const rand = prng(seed);
  const values = randomArray(
    shape.reduce((p, q) => p * q, 1),
    rand,
  );
  if (positive) for (let i = 0; i < values.length; i++) values[i] = 0.5 + Math.abs(values[i]);
  return { values, shape };
};

async function parity(kernel: string, inputs: Named[], fn: (...xs: tf.Tensor[]) => tf.Tensor[], limit = 0) {
  const cpu = await onBackend('cpu', inputs, fn);
  const wasm = await onBackend('wasm', inputs, fn);
  expect(wasm.length).toBe(cpu.length);
  for (let i = 0; i < cpu.length; i++) {
    const e = relativeError(wasm[i], cpu[i]);
    log.record(kernel, e);
    expect(e, `${kernel} output ${i}`).toBeLessThanOrEqual(limit);
  }
}

const SHAPES = [
  [2, 5, 3, 6],
  [3, 4, 4, 16],
  [1, 7, 9, 3],
  [4, 2, 2, 8],
];

describe('SplitV / Concat on wasm vs cpu (exact)', () => {
  const rows = SHAPES.flatMap((shape) => [0, 1, 2, 3].map((axis) => ({ shape, axis })));
  it.each(rows)('$shape axis $axis', async ({ shape, axis }) => {
    const n = shape[axis];
    const sizes = n >= 3 ? [1, n - 3, 2] : [n - 1, 1];
    await parity('SplitV', [named(shape, 7 + axis)], (x) => tf.split(x, sizes, axis));
    await parity('SplitV', [named(shape, 8 + axis)], (x) => tf.split(x, n, axis));
    const other = shape.slice();
    other[axis] = 2;
    await parity('Concat', [named(shape, 9), named(other, 10), named(shape, 11)], (a, b, c) => [
      tf.concat([a, b, c], axis),
    ]);
  });
  it('leaves int32 and empty inputs to tfjs-wasm', async () => {
    await parity('Concat', [], () => [tf.concat([tf.tensor1d([1, 2], 'int32'), tf.tensor1d([3], 'int32')])]);
    await parity('Concat', [named([2, 3], 1)], (a) => [tf.concat([a, tf.zeros([2, 0])], 1)]);
  });
});

describe('per-channel Multiply / Add / Sub / RealDiv on wasm vs cpu (exact)', () => {
  const ops = {
    mul: tf.mul,
    add: tf.add,
    sub: tf.sub,
    div: tf.div,
  };
  const rows = SHAPES.flatMap((shape) =>
    (Object.keys(ops) as (keyof typeof ops)[]).flatMap((op) =>
      [false, true].flatMap((rank1) => [false, true].map((swap) => ({ shape, op, rank1, swap }))),
    ),
  );
  it.each(rows)('$op $shape rank-1 $rank1 swapped $swap', async ({ shape, op, rank1, swap }) => {
    const c = shape[3];
    const vshape = rank1 ? [c] : [1, 1, 1, c];
    await parity(`per-channel ${op}`, [named(shape, 3, true), named(vshape, 4, true)], (x, v) => [
      swap ? ops[op](v, x) : ops[op](x, v),
    ]);
  });
});

describe('FusedBatchNorm on wasm vs cpu', () => {
  const rows = SHAPES.flatMap((shape) => [0, 1, 2, 3].map((variant) => ({ shape, variant })));
  it.each(rows)('$shape variant $variant', async ({ shape, variant }) => {
    const c = shape[3];
    const inputs = [named(shape, 1), named([c], 2), named([c], 3, true), named([c], 4), named([c], 5)];
    await parity(
      'FusedBatchNorm',
      inputs,
      (x, m, v, off, sc) => [
        tf.batchNorm(x, m, v, variant & 1 ? off : undefined, variant & 2 ? sc : undefined, 1e-3),
      ],
      1e-6,
    );
  });
});

describe('Mean over leading axes on wasm vs cpu', () => {
  it.each(SHAPES)('%j', async (...shape) => {
    await parity(
      'Mean',
      [named(shape, 6)],
      (x) => [tf.mean(x, [0, 1, 2]), tf.mean(x, [0, 1], true), tf.mean(x, 0)],
      1e-6,
    );
  });
});

describe('Identity / Cast share the buffer', () => {
  it('clones and same-dtype casts without copying, values and memory intact', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const dataIds = tf.engine().backend.numDataIds();
    const x = tf.tensor2d([1, 2, 3, 4], [2, 2]);
    const y = tf.clone(x);
    const z = tf.cast(x, 'float32');
    const i = tf.cast(x, 'int32');
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3, 4]);
    y.dispose();
    expect(Array.from(z.dataSync())).toEqual([1, 2, 3, 4]);
    expect(i.dtype).toBe('int32');
    tf.dispose([z, i]);
    expect(tf.memory().numTensors).toBe(before);
    expect(tf.engine().backend.numDataIds()).toBe(dataIds);
  });
});
