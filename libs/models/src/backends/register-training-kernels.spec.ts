import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './init-backend.js';
import { prng, randomArray } from './kernel-parity.fixture.js';
import { registerTrainingKernels, TRAINING_KERNELS } from './register-training-kernels.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' }, { log: () => undefined });
});
afterEach(() => registerTrainingKernels()); // every test leaves the default (all ours) in place

describe('registerTrainingKernels', () => {
  it('serves every training kernel from ROPline on wasm, idempotently', () => {
    const names = TRAINING_KERNELS.map((k) => k.kernelName);
    const first = registerTrainingKernels();
    const funcs = names.map((n) => tf.getKernel(n, 'wasm').kernelFunc);
    expect(registerTrainingKernels()).toEqual(first);
    expect(names.map((n) => tf.getKernel(n, 'wasm').kernelFunc)).toEqual(funcs);
    expect(first).toEqual({ ours: names, native: [] });
  });

  it('gives the faster-path kernels back to tfjs-wasm, which still work, and takes them again', () => {
    const x = tf.tensor4d([1, 3, 2, 0], [1, 2, 2, 1]);
    const grad = () =>
      tf.tidy(() =>
        Array.from(
          tf
            .grad((a: tf.Tensor) => tf.sum(tf.maxPool(a as tf.Tensor4D, 2, 2, 'valid')))(x)
            .dataSync(),
        ),
      );
    const report = registerTrainingKernels({ faster: false });
    expect(report.native).toEqual(
      TRAINING_KERNELS.filter((k) => k.role === 'faster').map((k) => k.kernelName),
    );
    expect(grad()).toEqual([0, 1, 0, 0]); // tfjs-wasm's own MaxPoolGrad, set up despite our early registration
    expect(registerTrainingKernels().native).toEqual([]);
    expect(grad()).toEqual([0, 1, 0, 0]);
    x.dispose();
  });
});

describe('training on wasm with ROPline kernels', () => {
  it('fit()s a Conv-ReLU-MaxPool-DepthwiseConv-Dense model and the loss decreases', async () => {
    // Two classes: a bright 4x4 patch in the left or in the right half of a noisy 12x12x2 image.
    const rand = prng(7);
    const n = 32;
    const images = randomArray(n * 12 * 12 * 2, rand).map((v) => v * 0.1);
    const labels = new Float32Array(n * 2);
    for (let i = 0; i < n; i++) {
      const right = i % 2;
      labels[i * 2 + right] = 1;
      for (let y = 4; y < 8; y++)
        for (let x = 1; x < 5; x++) images[((i * 12 + y) * 12 + x + right * 6) * 2] += 1;
    }
    const xs = tf.tensor4d(images, [n, 12, 12, 2]);
    const ys = tf.tensor2d(labels, [n, 2]);
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({
          inputShape: [12, 12, 2],
          filters: 4,
          kernelSize: 3,
          padding: 'same',
          activation: 'relu',
        }),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same', activation: 'relu' }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 2, activation: 'softmax' }),
      ],
    });
    model.compile({ optimizer: tf.train.adam(0.02), loss: 'categoricalCrossentropy' });
    const history = await model.fit(xs, ys, { epochs: 6, batchSize: 8, shuffle: false, verbose: 0 });
    const loss = history.history.loss as number[];
    expect(tf.getBackend()).toBe('wasm');
    expect(loss.every(Number.isFinite)).toBe(true);
    expect(loss[loss.length - 1]).toBeLessThan(loss[0] * 0.7);
    tf.dispose([xs, ys]);
    model.dispose();
  });

  it('leaks no tensors and no wasm buffers across repeated gradient calls', () => {
    const rand = prng(3);
    const x = tf.tensor4d(randomArray(2 * 9 * 8 * 3, rand), [2, 9, 8, 3]);
    const w = tf.tensor4d(randomArray(3 * 3 * 3 * 4, rand), [3, 3, 3, 4]);
    const dw = tf.tensor4d(randomArray(3 * 3 * 3 * 2, rand), [3, 3, 3, 2]);
    const bias = tf.tensor1d([0.1, -0.2, 0.3, 0]);
    const loss = (a: tf.Tensor, f: tf.Tensor, b: tf.Tensor, d: tf.Tensor) =>
      tf.add(
        // strided 'valid' conv: the zero-interleave/crop path of the input gradient
        tf.sum(
          tf.maxPool(
            tf.relu(tf.add(tf.conv2d(a as tf.Tensor4D, f as tf.Tensor4D, 2, 'valid'), b)),
            2,
            1,
            'same',
          ),
        ),
        tf.add(
          tf.sum(tf.depthwiseConv2d(a as tf.Tensor4D, d as tf.Tensor4D, 1, 'same')),
          // batch norm on batch statistics, split and concatenated: the per-channel, Mean, Sum,
          // FusedBatchNorm, SplitV and Concat kernels and their gradients
          tf.sum(
            tf.mul(
              tf.concat(
                tf.split(
                  tf.batchNorm(
                    a,
                    tf.mean(a, [0, 1, 2]),
                    tf.moments(a, [0, 1, 2]).variance,
                    tf.slice(b, 1, 3),
                    b.slice(0, 3),
                  ),
                  [1, 2],
                  3,
                ),
                3,
              ),
              tf.tensor1d([1, -2, 3]),
            ),
          ),
        ),
      );
    const step = () => tf.dispose(tf.grads(loss)([x, w, bias, dw]));
    step();
    const backend = tf.engine().backend;
    const before = { tensors: tf.memory().numTensors, buffers: backend.numDataIds() };
    for (let i = 0; i < 5; i++) step();
    expect({ tensors: tf.memory().numTensors, buffers: backend.numDataIds() }).toEqual(before);
    tf.dispose([x, w, dw, bias]);
  });
});
