import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../init-backend.js';
import { onBackend, ParityLog, prng, randomArray, relativeError } from '../kernel-parity.fixture.js';

type Pad = 'same' | 'valid' | number;
interface Row {
  name: string;
  shape: [number, number, number, number, number]; // B, H, W, C, channel multiplier M
  k: number;
  s: number;
  d: number;
  pad: Pad;
}

const SHAPES: Row['shape'][] = [
  [1, 5, 5, 1, 1],
  [2, 6, 7, 3, 2],
  [3, 8, 8, 5, 1],
  [1, 9, 6, 2, 3],
];
const table = (ks: number[], ss: number[], d: number): Row[] =>
  SHAPES.flatMap((shape) =>
    ks.flatMap((k) =>
      ss.flatMap((s) =>
        (['same', 'valid', 1] as Pad[])
          .filter((pad) => pad !== 'valid' || (k - 1) * d + 1 <= Math.min(shape[1], shape[2]))
          .map((pad) => ({ name: `${shape.join('x')} k${k} s${s} d${d} pad ${pad}`, shape, k, s, d, pad })),
      ),
    ),
  );
// tfjs's depthwise gradient refuses dilation > 1, so dilated rows call the kernels directly.
const GRAD_ROWS = table([1, 3, 5], [1, 2], 1);
const DILATED_ROWS = table([3], [1, 2], 2);

const log = new ParityLog();
beforeAll(async () => {
  await initBackend({ backend: 'wasm' }, { log: () => undefined });
});
afterAll(() => log.print());

function makeInputs({ shape: [b, h, w, c, m], k, s, d, pad }: Row) {
  const info = tf.backend_util.computeConv2DInfo([b, h, w, c], [k, k, c, m], s, d, pad, undefined, true);
  const rand = prng(b * 1000 + h * 100 + w * 10 + k + s + d);
  return {
    info,
    x: { values: randomArray(b * h * w * c, rand), shape: [b, h, w, c] },
    w: { values: randomArray(k * k * c * m, rand), shape: [k, k, c, m] },
    g: {
      values: randomArray(
        info.outShape.reduce((p, q) => p * q, 1),
        rand,
      ),
      shape: info.outShape,
    },
  };
}

function check(dx: Float32Array, dw: Float32Array, cpuDx: Float32Array, cpuDw: Float32Array) {
  const ex = relativeError(dx, cpuDx);
  const ew = relativeError(dw, cpuDw);
  log.record('DepthwiseConv2dNativeBackpropInput', ex);
  log.record('DepthwiseConv2dNativeBackpropFilter', ew);
  expect(ex).toBeLessThanOrEqual(1e-4);
  expect(ew).toBeLessThanOrEqual(1e-4);
}

describe('Depthwise conv backprops on wasm vs cpu', () => {
  it.each(GRAD_ROWS)('tf.grads $name', async (row) => {
    const { x, w, g } = makeInputs(row);
    const grads = (xt: tf.Tensor, wt: tf.Tensor, gt: tf.Tensor) =>
      tf.grads((a: tf.Tensor, f: tf.Tensor) =>
        tf.sum(tf.mul(tf.depthwiseConv2d(a as tf.Tensor4D, f as tf.Tensor4D, row.s, row.pad), gt)),
      )([xt, wt]);
    const [cpuDx, cpuDw] = await onBackend('cpu', [x, w, g], grads);
    const [dx, dw] = await onBackend('wasm', [x, w, g], grads);
    check(dx, dw, cpuDx, cpuDw);
  });

  // Oracle: a conv with dilation d equals one with the filter dilated by zeros (dilation 1), whose
  // gradients tfjs's cpu backend computes; the filter gradient is read back at the real taps.
  it.each(DILATED_ROWS)('kernels $name', async (row) => {
    const { info, x, w, g } = makeInputs(row);
    const [, , c, m] = w.shape;
    const { k, d, s, pad } = row;
    const eff = (k - 1) * d + 1;
    const wd = new Float32Array(eff * eff * c * m);
    for (let i = 0; i < k; i++)
      for (let j = 0; j < k; j++)
        wd.set(
          w.values.subarray((i * k + j) * c * m, (i * k + j + 1) * c * m),
          (i * d * eff + j * d) * c * m,
        );
    const [cpuDx, cpuDwd] = await onBackend(
      'cpu',
      [x, { values: wd, shape: [eff, eff, c, m] }, g],
      (xt, wt, gt) =>
        tf.grads((a: tf.Tensor, f: tf.Tensor) =>
          tf.sum(tf.mul(tf.depthwiseConv2d(a as tf.Tensor4D, f as tf.Tensor4D, s, pad), gt)),
        )([xt, wt]),
    );
    const cpuDw = new Float32Array(k * k * c * m);
    for (let i = 0; i < k; i++)
      for (let j = 0; j < k; j++)
        cpuDw.set(
          cpuDwd.subarray((i * d * eff + j * d) * c * m, (i * d * eff + j * d + 1) * c * m),
          (i * k + j) * c * m,
        );
    const attrs = { strides: s, dilations: d, pad };
    const [dx, dw] = await onBackend('wasm', [x, w, g], (xt, wt, gt) => [
      tf.engine().runKernel(
        'DepthwiseConv2dNativeBackpropInput',
        { dy: gt, filter: wt },
        {
          ...attrs,
          inputShape: info.inShape,
        },
      ) as tf.Tensor,
      tf.engine().runKernel(
        'DepthwiseConv2dNativeBackpropFilter',
        { x: xt, dy: gt },
        {
          ...attrs,
          filterShape: w.shape,
        },
      ) as tf.Tensor,
    ]);
    check(dx, dw, cpuDx, cpuDw);
  });
});
