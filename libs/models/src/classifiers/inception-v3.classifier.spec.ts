import * as tf from '@tensorflow/tfjs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backends/init-backend.js';
import { registerTrainingKernels } from '../backends/register-training-kernels.js';
import { fileSystemIO } from '../layers-util/file-system.io.js';
import { countParams } from '../layers-util/image-tensor.util.js';
import { quietContext } from '../layers-util/synthetic-lines.fixture.js';
import { inceptionV3ClassifierConfigSchema, loadInceptionV3Classifier } from './inception-v3.classifier.js';
import {
  buildInceptionV3,
  expectedInceptionV3Params,
  KERAS_INCEPTION_V3_PARAMS,
} from './inception-v3.model.js';

let work: string;
beforeAll(async () => {
  await initBackend({ backend: 'wasm' }, quietContext);
  registerTrainingKernels();
  work = await mkdtemp(path.join(tmpdir(), 'ropline-inception-'));
});
afterAll(() => rm(work, { recursive: true, force: true }));

const size75 = { width: 75, height: 75 };

describe('Inception v3 architecture (Keras applications)', () => {
  // Built once (~0.6 s, 24 M parameters): the Keras reference configuration at the Keras minimum size.
  let keras: tf.LayersModel;
  beforeAll(() => {
    keras = buildInceptionV3({ inputSize: size75, inputChannels: 3, numClasses: 1000, seed: 1 });
  });
  afterAll(() => keras.dispose());

  it('has exactly the Keras parameter counts at 3 channels / 1000 classes', () => {
    expect(countParams(keras)).toEqual(KERAS_INCEPTION_V3_PARAMS);
    expect(KERAS_INCEPTION_V3_PARAMS).toEqual({
      total: 23_851_784,
      trainable: 23_817_352,
      nonTrainable: 34_432,
    });
  });

  it('names layers as a fresh tf.keras session does (for weight transfer by name)', () => {
    const names = keras.layers.map((l) => l.name);
    expect(names).toHaveLength(313);
    expect(names.filter((n) => /^conv2d(_\d+)?$/.test(n))).toHaveLength(94);
    expect(names.filter((n) => /^batch_normalization(_\d+)?$/.test(n))).toHaveLength(94);
    expect(names.filter((n) => /^mixed\d+$/.test(n))).toEqual([...Array(11).keys()].map((i) => `mixed${i}`));
    expect(names.slice(-2)).toEqual(['avg_pool', 'predictions']);
    expect(names).toEqual(
      expect.arrayContaining(['mixed9_0', 'mixed9_1', 'concatenate', 'concatenate_1', 'conv2d_93']),
    );
    // BatchNorm without scale: beta + moving mean/variance only.
    expect(keras.getLayer('batch_normalization').weights.map((w) => w.originalName)).toEqual([
      'batch_normalization/beta',
      'batch_normalization/moving_mean',
      'batch_normalization/moving_variance',
    ]);
    expect(keras.getLayer('conv2d').getWeights()[0].shape).toEqual([3, 3, 3, 32]);
    expect(keras.getLayer('mixed10').outputShape).toEqual([null, 1, 1, 2048]);
  });

  it.each([
    { channels: 1, classes: 3, total: 21_808_355 },
    { channels: 2, classes: 3, total: 21_808_643 },
    { channels: 3, classes: 3, total: 21_808_931 },
  ])(
    '$channels channels, $classes classes: $total parameters (analytic from Keras)',
    ({ channels, classes, total }) => {
      const m = buildInceptionV3({ inputSize: size75, inputChannels: channels, numClasses: classes });
      expect(expectedInceptionV3Params(channels, classes).total).toBe(total);
      expect(countParams(m)).toEqual(expectedInceptionV3Params(channels, classes));
      m.dispose();
    },
  );

  it('has the paper-size feature maps at 299 x 299', () => {
    const m = buildInceptionV3({ inputSize: { width: 299, height: 299 }, inputChannels: 2, numClasses: 3 });
    const shapes = ['mixed0', 'mixed2', 'mixed3', 'mixed7', 'mixed8', 'mixed10'].map(
      (n) => m.getLayer(n).outputShape,
    );
    expect(shapes).toEqual([
      [null, 35, 35, 256],
      [null, 35, 35, 288],
      [null, 17, 17, 768],
      [null, 17, 17, 768],
      [null, 8, 8, 1280],
      [null, 8, 8, 2048],
    ]);
    m.dispose();
  });

  it('adapts ImageNet-shaped weights as the paper does: new first conv and top, the rest copied', async () => {
    const dir = path.join(work, 'imagenet-like');
    await keras.save(fileSystemIO(dir));
    const c = await loadInceptionV3Classifier({ inputSize: 75, seed: 2, pretrained: { dir } }, quietContext);
    const report = c.transfer;
    expect(report?.reinitialised.map((r) => r.layer)).toEqual(['conv2d', 'predictions']);
    expect(report?.copied).toHaveLength(94 + 94 - 1);
    expect(report?.trainable).toHaveLength(94 + 94 + 1); // freeze 'all' by default (III-B3)
    const w = (m: tf.LayersModel) =>
      Array.from(m.getLayer('conv2d_93').getWeights()[0].dataSync().slice(0, 64));
    expect(w(c.model)).toEqual(w(keras));
    c.dispose();
  });
});

describe('Inception v3 classifier', () => {
  it('parses the paper defaults: 299 x 299, 2 channels (hybrid), 3 stages', () => {
    const c = inceptionV3ClassifierConfigSchema.parse({});
    expect(c).toMatchObject({
      name: 'inception-v3',
      inputSize: { width: 299, height: 299 },
      inputChannels: 2,
      classes: ['stage1', 'stage2', 'stage3'],
    });
    expect(c.preprocessing.resize).toMatchObject({ width: 299, height: 299 });
    expect(inceptionV3ClassifierConfigSchema.safeParse({ inputSize: 74 }).success).toBe(false);
    expect(inceptionV3ClassifierConfigSchema.safeParse({ inputChannels: 4 }).success).toBe(false);
  });

  it('classifies, trains one step on wasm (BN without scale), and does not leak', async () => {
    const c = await loadInceptionV3Classifier({ inputSize: 75, inputChannels: 1, seed: 3 }, quietContext);
    const image = {
      data: new Float32Array(75 * 75).map((_, i) => Math.sin(i / 7)),
      width: 75,
      height: 75,
      channels: 1,
    };
    const first = await c.classify(image);
    expect(first.classes).toEqual(['stage1', 'stage2', 'stage3']);
    expect(first.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect(first.label).toBe(first.classes[first.classIndex]);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) await c.classify(image);
    expect(tf.memory().numTensors).toBe(before);

    c.model.compile({ optimizer: tf.train.adam(0.005), loss: 'categoricalCrossentropy' });
    const x = tf.tensor4d(image.data, [1, 75, 75, 1]);
    const y = tf.oneHot([2], 3);
    const top = Array.from(c.model.getLayer('predictions').getWeights()[1].dataSync());
    const h = await c.model.fit(x, y, { epochs: 1, verbose: 0 });
    tf.dispose([x, y]);
    expect(Number.isFinite((h.history['loss'] as number[])[0])).toBe(true);
    expect(Array.from(c.model.getLayer('predictions').getWeights()[1].dataSync())).not.toEqual(top);
    c.dispose();
  });
});
