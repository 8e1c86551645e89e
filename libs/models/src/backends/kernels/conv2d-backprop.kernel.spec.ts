import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../init-backend.js';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { onBackend, ParityLog, prng, randomArray, relativeError } from '../kernel-parity.fixture.js';
import { filterGradDirect } from './conv2d-backprop-filter.kernel.js';
import { inputGradDirect } from './conv2d-direct.kernel.js';

type Pad = 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;
interface Row {
  name: string;
  shape: [number, number, number, number, number]; // B, H, W, Cin, Cout
  k: number;
  s: number;
  pad: Pad;
}

// Table: batch 1-3, odd/even H and W, Cin/Cout 1-5 x kernel 1/3/5 x stride 1/2 x padding; the
// last two rows reach every register tile of the SIMD filter-gradient kernel (4 input x 8 output
// channels, 4-wide and scalar tails).
const SHAPES: Row['shape'][] = [
  [1, 5, 5, 1, 1],
  [2, 6, 7, 3, 2],
  [3, 8, 8, 5, 4],
  [1, 9, 6, 2, 5],
  [2, 7, 9, 8, 16],
  [1, 6, 10, 11, 23],
];
const PADS: Pad[] = [
  'same',
  'valid',
  1,
  [
    [0, 0],
    [2, 1],
    [0, 2],
    [0, 0],
  ],
];
const ROWS: Row[] = SHAPES.flatMap((shape) =>
  [1, 3, 5].flatMap((k) =>
    [1, 2].flatMap((s) =>
      PADS.map((pad) => ({
        name: `${shape.join('x')} k${k} s${s} pad ${JSON.stringify(pad)}`,
        shape,
        k,
        s,
        pad,
      })),
    ),
  ),
).filter(({ shape: [, h, w], k, pad }) => pad !== 'valid' || (k <= h && k <= w));

const log = new ParityLog();
beforeAll(async () => {
  await initBackend({ backend: 'wasm' }, { log: () => undefined });
});
afterAll(() => log.print());

describe('Conv2DBackpropInput / Conv2DBackpropFilter on wasm vs cpu (tf.grads of sum(conv2d(x,w)*g))', () => {
  it.each(ROWS)('$name', async ({ shape: [b, h, w, cin, cout], k, s, pad }) => {
    const info = tf.backend_util.computeConv2DInfo([b, h, w, cin], [k, k, cin, cout], s, 1, pad);
    const rand = prng(b * 1000 + h * 100 + w * 10 + k + s);
    const inputs = [
      { values: randomArray(b * h * w * cin, rand), shape: [b, h, w, cin] },
      { values: randomArray(k * k * cin * cout, rand), shape: [k, k, cin, cout] },
      {
        values: randomArray(
          info.outShape.reduce((p, q) => p * q, 1),
          rand,
        ),
        shape: info.outShape,
      },
    ];
    const grads = (x: tf.Tensor, f: tf.Tensor, g: tf.Tensor) =>
      tf.grads((a: tf.Tensor, c: tf.Tensor) =>
        tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, c as tf.Tensor4D, s, pad), g)),
      )([x, f]);
    const [cpuDx, cpuDw] = await onBackend('cpu', inputs, grads);
    const [wasmDx, wasmDw] = await onBackend('wasm', inputs, grads);
    const ex = relativeError(wasmDx, cpuDx);
    const ew = relativeError(wasmDw, cpuDw);
    log.record('Conv2DBackpropInput', ex);
    log.record('Conv2DBackpropFilter', ew);
    expect(ex).toBeLessThanOrEqual(1e-4);
    expect(ew).toBeLessThanOrEqual(1e-4);
  });
});

describe('Conv2DBackpropInput NCHW', () => {
  it('leaves NCHW to tfjs-wasm own kernel and matches cpu', async () => {
    const rand = prng(11);
    const inputs = [
      { values: randomArray(2 * 3 * 4 * 4, rand), shape: [2, 3, 4, 4] }, // dy, NCHW, 3 channels out
      { values: randomArray(3 * 3 * 2 * 3, rand), shape: [3, 3, 2, 3] }, // filter [kh, kw, in, out]
    ];
    const attrs = { strides: 1, pad: 'same', dataFormat: 'NCHW', inputShape: [2, 2, 4, 4] };
    const run = (dy: tf.Tensor, f: tf.Tensor) => [
      tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: f }, attrs) as tf.Tensor,
    ];
    const [cpu] = await onBackend('cpu', inputs, run);
    const [wasm] = await onBackend('wasm', inputs, run);
    expect(relativeError(wasm, cpu)).toBeLessThanOrEqual(1e-4);
  });
});

// tfjs's conv2d gradient refuses dilation > 1 and Conv2DBackpropInput/Filter carry no dilation
// attribute, so the dilated geometry (which the C kernels implement) is checked by calling them
// directly. Oracle: a conv with dilation d equals one with the filter dilated by zeros (dilation
// 1), whose gradients the cpu backend computes; the filter gradient is read at the real taps.
describe('direct conv gradients with dilation 2 vs cpu (zero-dilated filter oracle)', () => {
  const DILATED: Row[] = [
    [2, 9, 8, 3, 5],
    [1, 10, 11, 8, 16],
  ].flatMap((shape) =>
    [1, 2].flatMap((s) =>
      (['same', 'valid', 1] as Pad[]).map((pad) => ({
        name: `${shape.join('x')} k3 d2 s${s} pad ${JSON.stringify(pad)}`,
        shape: shape as Row['shape'],
        k: 3,
        s,
        pad,
      })),
    ),
  );
  it.each(DILATED)('$name', async ({ shape: [b, h, w, cin, cout], k, s, pad }) => {
    const d = 2;
    const eff = (k - 1) * d + 1;
    const info = tf.backend_util.computeConv2DInfo([b, h, w, cin], [k, k, cin, cout], s, d, pad as 'same');
    const rand = prng(b * 7 + h * 5 + w * 3 + s);
    const x = randomArray(b * h * w * cin, rand);
    const f = randomArray(k * k * cin * cout, rand);
    const g = randomArray(
      info.outShape.reduce((p, q) => p * q, 1),
      rand,
    );
    const fd = new Float32Array(eff * eff * cin * cout);
    for (let i = 0; i < k; i++)
      for (let j = 0; j < k; j++)
        fd.set(
          f.subarray((i * k + j) * cin * cout, (i * k + j + 1) * cin * cout),
          (i * d * eff + j * d) * cin * cout,
        );
    const [cpuDx, cpuDfd] = await onBackend(
      'cpu',
      [
        { values: x, shape: [b, h, w, cin] },
        { values: fd, shape: [eff, eff, cin, cout] },
        { values: g, shape: info.outShape },
      ],
      (xt, ft, gt) =>
        tf.grads((a: tf.Tensor, c: tf.Tensor) =>
          tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, c as tf.Tensor4D, s, pad), gt)),
        )([xt, ft]),
    );
    const cpuDw = new Float32Array(k * k * cin * cout);
    for (let i = 0; i < k; i++)
      for (let j = 0; j < k; j++)
        cpuDw.set(
          cpuDfd.subarray((i * d * eff + j * d) * cin * cout, (i * d * eff + j * d + 1) * cin * cout),
          (i * k + j) * cin * cout,
        );
    const [dx, dw] = await onBackend(
      'wasm',
      [
        { values: x, shape: [b, h, w, cin] },
        { values: f, shape: [k, k, cin, cout] },
        { values: g, shape: info.outShape },
      ],
      (xt, ft, gt) => {
        const backend = tf.backend() as unknown as BackendWasm;
        const wrap = (t: tf.TensorInfo) => tf.engine().makeTensorFromTensorInfo(t);
        return [wrap(inputGradDirect(backend, gt, ft, info)), wrap(filterGradDirect(backend, xt, gt, info))];
      },
    );
    const ex = relativeError(dx, cpuDx);
    const ew = relativeError(dw, cpuDw);
    log.record('Conv2DBackpropInput (dilated)', ex);
    log.record('Conv2DBackpropFilter (dilated)', ew);
    expect(ex).toBeLessThanOrEqual(1e-4);
    expect(ew).toBeLessThanOrEqual(1e-4);
  });
});
