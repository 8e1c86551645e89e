import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../backends/init-backend.js';
import { prng } from '../backends/kernel-parity.fixture.js';
import { buildInceptionV3 } from '../classifiers/inception-v3.model.js';
import { buildUnet } from '../segmenters/unet.model.js';
import { createFoldedInference, foldBatchNormForInference } from './fold-batch-norm.js';
import { quietContext } from './synthetic-lines.fixture.js';

/** Gives every BatchNormalization random statistics (and gamma / beta), so folding is not trivial. */
function randomiseBatchNorms(model: tf.LayersModel, seed: number): void {
  const rand = prng(seed);
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'BatchNormalization') continue;
    const c = layer.getConfig();
    const ws = layer.getWeights();
    const n = ws[0].size;
    const values = (lo: number, hi: number) =>
      tf.tensor1d(Float32Array.from({ length: n }, () => lo + (hi - lo) * rand()));
    const next: tf.Tensor[] = [];
    if (c['scale'] !== false) next.push(values(0.5, 1.5));
    if (c['center'] !== false) next.push(values(-0.3, 0.3));
    next.push(values(-0.2, 0.2), values(0.5, 2));
    layer.setWeights(next);
    tf.dispose(next);
  }
}

/** Largest |a - b| over the largest |b| (no floor). */
function relDiff(a: Float32Array, b: Float32Array): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}

function input(model: tf.LayersModel, seed: number): tf.Tensor {
  const shape = model.inputs[0].shape.map((d) => d ?? 1);
  const rand = prng(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Float32Array.from({ length: size }, () => rand() * 2 - 1),
    shape,
  );
}

const countOf = (m: tf.LayersModel, cls: string) => m.layers.filter((l) => l.getClassName() === cls).length;

async function checkFold(build: () => tf.LayersModel, seed: number) {
  const model = build();
  randomiseBatchNorms(model, seed);
  const before = model.getWeights().map((w) => w.dataSync().slice());
  const folded = foldBatchNormForInference(model);
  try {
    expect(countOf(folded, 'BatchNormalization')).toBe(0);
    expect(folded.outputs[0].shape).toEqual(model.outputs[0].shape);
    const x = input(model, seed + 1);
    const expected = tf.tidy(() => model.predict(x) as tf.Tensor).dataSync() as Float32Array;
    const predictFolded = () => tf.tidy(() => folded.predict(x) as tf.Tensor);
    const warm = predictFolded();
    const err = relDiff(warm.dataSync() as Float32Array, expected);
    warm.dispose();
    const tensors = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) predictFolded().dispose();
    expect(tf.memory().numTensors).toBe(tensors);
    x.dispose();
    // The original is untouched: same layers, same weights.
    expect(countOf(model, 'BatchNormalization')).toBeGreaterThan(0);
    const after = model.getWeights().map((w) => w.dataSync());
    after.forEach((w, i) => expect(Array.from(w)).toEqual(Array.from(before[i])));
    return err;
  } finally {
    folded.dispose();
    model.dispose();
  }
}

describe.each(['cpu', 'wasm'] as const)('foldBatchNormForInference on %s', (backend) => {
  it('Inception v3 (BN without scale, Activation relu): same outputs', async () => {
    await initBackend({ backend }, quietContext);
    const err = await checkFold(
      () =>
        buildInceptionV3({ inputSize: { width: 75, height: 75 }, inputChannels: 1, numClasses: 10, seed: 4 }),
      11,
    );
    console.log(`inception-v3 75x75 ${backend}: relative error ${err.toExponential(2)}`);
    expect(err).toBeLessThan(1e-4);
  });

  it('U-Net (BN with scale, ReLU layer, multiclass head): same outputs', async () => {
    await initBackend({ backend }, quietContext);
    const err = await checkFold(
      () =>
        buildUnet({
          inputSize: { width: 45, height: 37 },
          inputChannels: 1,
          depth: 2,
          baseFilters: 4,
          batchNorm: true,
          outputChannels: 3,
          seed: 5,
        }),
      21,
    );
    console.log(`unet ${backend}: relative error ${err.toExponential(2)}`);
    expect(err).toBeLessThan(1e-4);
  });

  it('keeps layers that do not match (no BN, conv feeding two layers) as they are', async () => {
    await initBackend({ backend }, quietContext);
    const model = buildUnet({
      inputSize: { width: 16, height: 16 },
      inputChannels: 1,
      depth: 1,
      baseFilters: 2,
      batchNorm: false,
      outputChannels: 1,
      seed: 6,
    });
    const folded = foldBatchNormForInference(model);
    expect(folded.layers.map((l) => l.name)).toEqual(model.layers.map((l) => l.name));
    const x = input(model, 3);
    const a = tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync() as Float32Array);
    const b = tf.tidy(() => (folded.predict(x) as tf.Tensor).dataSync() as Float32Array);
    expect(relDiff(b, a)).toBeLessThan(1e-6);
    x.dispose();
    folded.dispose();
    model.dispose();
  });
});

describe('createFoldedInference', () => {
  it('folds again after the model weights changed, and frees its copy', async () => {
    await initBackend({ backend: 'cpu' }, quietContext);
    const model = buildUnet({
      inputSize: { width: 20, height: 20 },
      inputChannels: 1,
      depth: 1,
      baseFilters: 2,
      batchNorm: true,
      outputChannels: 1,
      seed: 7,
    });
    const tensors = tf.memory().numTensors;
    const inference = createFoldedInference(model);
    const first = inference.current();
    expect(inference.current()).toBe(first);
    randomiseBatchNorms(model, 8);
    const second = inference.current();
    expect(second).not.toBe(first);
    const x = input(model, 9);
    const a = tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync() as Float32Array);
    const b = tf.tidy(() => (second.predict(x) as tf.Tensor).dataSync() as Float32Array);
    expect(relDiff(b, a)).toBeLessThan(1e-4);
    x.dispose();
    inference.dispose();
    expect(tf.memory().numTensors).toBe(tensors);
    model.dispose();
  });
});
