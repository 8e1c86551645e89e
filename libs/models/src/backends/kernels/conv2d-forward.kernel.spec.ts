import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../init-backend.js';
import { onBackend, ParityLog, prng, randomArray, relativeError, type Named } from '../kernel-parity.fixture.js';
import { registerTrainingKernels } from '../register-training-kernels.js';
import { activationClamp, conv2dForward, forwardMethod, type ForwardMethod } from './conv2d-forward.kernel.js';
import { convInfo } from './conv-input.js';
import { modelsWasm, relaxedSimdAvailable, useModelsWasm, type ModelsWasmVariant } from './models-wasm.js';

type Pad = 'same' | 'valid' | tf.backend_util.ExplicitPadding;
type Activation = 'linear' | 'relu' | 'relu6';
interface Conv {
  k: [number, number];
  s: number;
  d: number;
  pad: Pad;
  method: ForwardMethod;
}

const EXPLICIT: Pad = [
  [0, 0],
  [2, 1],
  [0, 2],
  [0, 0],
];
// [B, H, W, Cin, Cout]: batch 1-3, odd and even sizes, channels off the 4/8 tiles; the last row
// spans several Winograd tile chunks and direct-conv pixel chunks.
const SHAPES: [number, number, number, number, number][] = [
  [1, 5, 5, 1, 1],
  [2, 7, 6, 3, 5],
  [3, 8, 9, 5, 4],
  [1, 9, 10, 8, 16],
  [2, 11, 7, 12, 23],
  [1, 13, 12, 17, 9],
  [2, 34, 30, 64, 64],
];
const CONVS: Conv[] = [
  ...(['winograd', 'winograd4'] as const).flatMap((method) =>
    (['same', 'valid', EXPLICIT] as Pad[]).map((pad): Conv => ({ k: [3, 3], s: 1, d: 1, pad, method })),
  ),
  { k: [1, 1], s: 1, d: 1, pad: 'same', method: 'direct' },
  { k: [3, 3], s: 1, d: 1, pad: 'same', method: 'direct' },
  { k: [3, 3], s: 2, d: 1, pad: 'valid', method: 'direct' },
  { k: [5, 5], s: 1, d: 1, pad: EXPLICIT, method: 'direct' },
  { k: [1, 3], s: 1, d: 1, pad: 'same', method: 'direct' },
  { k: [3, 1], s: 2, d: 1, pad: 'same', method: 'direct' },
  { k: [3, 3], s: 1, d: 2, pad: 'same', method: 'direct' },
];
// Bias and activation cycle over the rows, so that every shape meets several of them.
const EPILOGUES: [boolean, Activation][] = [
  [true, 'relu'],
  [false, 'linear'],
  [true, 'relu6'],
  [true, 'linear'],
  [false, 'relu'],
];
const VARIANTS: ModelsWasmVariant[] = relaxedSimdAvailable() ? ['simd', 'relaxed'] : ['simd'];

const ROWS = SHAPES.flatMap((shape, i) =>
  CONVS.filter(({ k: [kh, kw], d, pad }) => pad !== 'valid' || ((kh - 1) * d < shape[1] && (kw - 1) * d < shape[2])).map(
    (conv, j) => {
      const [bias, activation] = EPILOGUES[(i + j) % EPILOGUES.length];
      const pad = typeof conv.pad === 'string' ? conv.pad : 'explicit';
      const name = `${shape.join('x')} ${conv.method} k${conv.k.join('x')} s${conv.s} d${conv.d} ${pad} bias ${bias} ${activation}`;
      return { name, shape, conv, bias, activation };
    },
  ),
);

/** x, filter and bias of one row; inputs in [-2, 2] so that relu6 clamps some outputs. */
function rowInputs([b, h, w, cin, cout]: number[], { k: [kh, kw] }: Conv): Named[] {
  const rand = prng(b * 1000 + h * 100 + w * 10 + cin + kh + 7 * kw);
  const x = randomArray(b * h * w * cin, rand).map((v) => 2 * v);
  return [
    { values: x, shape: [b, h, w, cin] },
    { values: randomArray(kh * kw * cin * cout, rand), shape: [kh, kw, cin, cout] },
    { values: randomArray(cout, rand), shape: [cout] },
  ];
}

const fused = (conv: Conv, bias: boolean, activation: Activation) => (x: tf.Tensor, f: tf.Tensor, b: tf.Tensor) => [
  tf.fused.conv2d({
    x: x as tf.Tensor4D,
    filter: f as tf.Tensor4D,
    strides: conv.s,
    pad: conv.pad,
    dilations: conv.d,
    bias: bias ? b : undefined,
    activation,
    leakyreluAlpha: 0.1,
  }),
];

const log = new ParityLog();
beforeAll(async () => {
  await initBackend({ backend: 'wasm' }, { log: () => undefined });
});
afterAll(() => {
  modelsWasm(); // leave the default module selected for later files in this worker
  log.print();
});

describe.each(VARIANTS)('forward conv kernels (%s module) vs the cpu backend', (variant) => {
  it.each(ROWS)('$name', async ({ shape, conv, bias, activation }) => {
    const inputs = rowInputs(shape, conv);
    const [expected] = await onBackend('cpu', inputs, fused(conv, bias, activation));
    useModelsWasm(variant);
    const [actual] = await onBackend('wasm', inputs, (x, f, b) => {
      const info = convInfo(x.shape, f, { strides: conv.s, pad: conv.pad, dilations: conv.d });
      const clamp = activationClamp(activation) as [number, number];
      const out = conv2dForward(tf.backend() as unknown as BackendWasm, x, f, bias ? b : null, info, clamp, conv.method);
      return [tf.engine().makeTensorFromTensorInfo(out)];
    });
    const e = relativeError(actual, expected);
    log.record(`${conv.method} (${variant})`, e);
    expect(e).toBeLessThanOrEqual(1e-4);
  });
});

describe('registered Conv2D / FusedConv2D on wasm', () => {
  it('are ROPline kernels', () => {
    const { ours } = registerTrainingKernels();
    expect(ours).toEqual(expect.arrayContaining(['Conv2D', 'FusedConv2D']));
  });

  it('routes 3x3 stride-1 convs to Winograd, others of 8x8 and larger to the direct conv with FMA, the rest to XNNPACK', () => {
    const info = (shape: number[], k: number, s = 1) =>
      convInfo(shape, { shape: [k, k, shape[3], 8] } as tf.TensorInfo, { strides: s, pad: 'same' });
    expect(forwardMethod(info([1, 16, 16, 8], 3), false)).toBe('winograd4');
    expect(forwardMethod(info([1, 8, 8, 8], 3), false)).toBe('winograd');
    expect(forwardMethod(info([1, 8, 8, 8], 1), true)).toBe('direct');
    expect(forwardMethod(info([1, 17, 17, 8], 3, 2), true)).toBe('direct');
    expect(forwardMethod(info([1, 17, 17, 8], 1), false)).toBeNull();
    expect(forwardMethod(info([1, 7, 7, 8], 3), true)).toBeNull();
    expect(forwardMethod(info([1, 64, 64, 3], 3), true)).toBeNull();
  });

  it('prepares a filter once per weight tensor and never serves a stale one', async () => {
    const [x, f1] = rowInputs([1, 12, 12, 8, 8], CONVS[0]);
    const f2 = { ...f1, values: f1.values.map((v) => -v) };
    const run = (xs: tf.Tensor, a: tf.Tensor, b: tf.Tensor) => {
      const conv = (f: tf.Tensor) => tf.conv2d(xs as tf.Tensor4D, f as tf.Tensor4D, 1, 'same');
      return [conv(a), conv(a), conv(a), conv(b), conv(b), conv(b)];
    };
    const expected = await onBackend('cpu', [x, f1, f2], run);
    const actual = await onBackend('wasm', [x, f1, f2], run);
    actual.forEach((a, i) => expect(relativeError(a, expected[i])).toBeLessThanOrEqual(1e-4));
  });

  // Through tf ops: the kernels' routing, their fallback to tfjs-wasm and tf.conv2d (Conv2D).
  const CASES: [string, number[], Conv, boolean, Activation | 'leakyrelu'][] = [
    ['winograd, fused bias + relu', [2, 20, 18, 8, 12], CONVS[3], true, 'relu'],
    ['direct 1x1 (XNNPACK without FMA)', [1, 18, 17, 8, 12], CONVS[6], true, 'linear'],
    ['leakyrelu: XNNPACK', [1, 20, 18, 8, 12], CONVS[0], true, 'leakyrelu'],
  ];
  it.each(CASES)('%s', async (_, shape, conv, bias, activation) => {
    const inputs = rowInputs(shape, conv);
    const run = fused(conv, bias, activation as Activation);
    const [expected] = await onBackend('cpu', inputs, run);
    const [actual] = await onBackend('wasm', inputs, run);
    expect(relativeError(actual, expected)).toBeLessThanOrEqual(1e-4);
  });

  it('tf.conv2d (Conv2D) matches cpu', async () => {
    const inputs = rowInputs([2, 21, 19, 6, 10], CONVS[0]).slice(0, 2);
    const run = (x: tf.Tensor, f: tf.Tensor) => [tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, 1, 'same')];
    const [expected] = await onBackend('cpu', inputs, run);
    const [actual] = await onBackend('wasm', inputs, run);
    expect(relativeError(actual, expected)).toBeLessThanOrEqual(1e-4);
  });
});
