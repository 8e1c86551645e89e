/**
 * The U-Net and Inception v3 as the pipelines run them (BatchNorm folded: FusedConv2D with bias +
 * ReLU) on wasm, where ROPline's forward conv kernels take the 3x3 stride-1 (Winograd) and other
 * large convs, against the cpu backend with the same weights.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildInceptionV3 } from '../../classifiers/inception-v3.model.js';
import { foldBatchNormForInference } from '../../layers-util/fold-batch-norm.js';
import { buildUnet } from '../../segmenters/unet.model.js';
import { initBackend } from '../init-backend.js';
import { prng, randomArray, relativeError } from '../kernel-parity.fixture.js';
import { registerTrainingKernels } from '../register-training-kernels.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' }, { log: () => undefined });
  registerTrainingKernels();
});
afterAll(async () => {
  await tf.setBackend('wasm');
});

/** Output of `layer` (default: the model's output) for `input` on `backend`, weights from `weights`. */
async function features(
  build: () => tf.LayersModel,
  weights: Float32Array[],
  input: { values: Float32Array; shape: number[] },
  backend: 'cpu' | 'wasm',
  layer?: string,
): Promise<Float32Array> {
  await tf.setBackend(backend);
  const model = build();
  model.setWeights(weights.map((w, i) => tf.tensor(w, model.weights[i].shape as number[])));
  const folded = foldBatchNormForInference(model);
  const net = layer ? tf.model({ inputs: folded.inputs, outputs: folded.getLayer(layer).output }) : folded;
  const out = tf.tidy(() => (net.predict(tf.tensor(input.values, input.shape)) as tf.Tensor).dataSync() as Float32Array);
  model.dispose();
  folded.dispose();
  return out;
}

async function compare(build: () => tf.LayersModel, shape: number[], layer?: string): Promise<number> {
  await tf.setBackend('wasm');
  const template = build();
  const rand = prng(42);
  // The seeded initial weights (realistic magnitudes) with random BatchNorm statistics and affine
  // parameters, so that the fold is not nearly the identity.
  const bn: [RegExp, (r: number) => number][] = [
    [/gamma/, (r) => 1 + 0.3 * r],
    [/beta|moving_mean/, (r) => 0.2 * r],
    [/moving_variance/, (r) => 0.5 + Math.abs(r)],
  ];
  const weights = template.weights.map((w) => {
    const values = w.read().dataSync() as Float32Array;
    const f = bn.find(([re]) => re.test(w.name))?.[1];
    return f ? randomArray(values.length, rand).map(f) : values.slice();
  });
  template.dispose();
  const input = { values: randomArray(shape.reduce((a, b) => a * b, 1), rand), shape };
  const wasm = await features(build, weights, input, 'wasm', layer);
  const cpu = await features(build, weights, input, 'cpu', layer);
  return relativeError(wasm, cpu);
}

describe('models on wasm (ROPline forward convs) vs cpu', () => {
  it('U-Net depth 2, 8 filters, 64x64: output within 1e-4', async () => {
    const build = () =>
      buildUnet({ inputSize: { width: 64, height: 64 }, inputChannels: 1, depth: 2, baseFilters: 8, batchNorm: true, outputChannels: 3, seed: 3 });
    expect(await compare(build, [2, 64, 64, 1])).toBeLessThanOrEqual(1e-4);
  });

  it('Inception v3 at 75x75: mixed2 features within 1e-4', async () => {
    const build = () => buildInceptionV3({ inputSize: { width: 75, height: 75 }, inputChannels: 2, numClasses: 3, seed: 5 });
    expect(await compare(build, [1, 75, 75, 2], 'mixed2')).toBeLessThanOrEqual(1e-4);
  }, 30_000);
});
