import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backends/init-backend.js';
import { KerasBatchNormalization, kerasBatchNormalization } from './keras-batch-norm.layer.js';
import { quietContext } from './synthetic-lines.fixture.js';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' }, quietContext);
});

// Two channels, batch of 4 (1 x 1 pixels): channel 0 = [1, 2, 3, 6] (mean 3, var 3.5), channel 1 = 0.
const x = () => tf.tensor4d([1, 0, 2, 0, 3, 0, 6, 0], [4, 1, 1, 2]);
const values = (t: unknown) => Array.from((t as tf.Tensor).dataSync());

describe('KerasBatchNormalization', () => {
  it('tfjs-layers 4.22 itself cannot train BatchNormalization(scale: false) (why this layer exists)', () => {
    const bn = tf.layers.batchNormalization({ scale: false });
    expect(() => bn.apply(x(), { training: true })).toThrow(/read/);
  });

  it('trains without scale: batch statistics, beta only, and the Keras moving-average update', () => {
    const bn = kerasBatchNormalization({ name: 'bn', scale: false, epsilon: 1e-3, momentum: 0.9 });
    const y = values(bn.apply(x(), { training: true }));
    const sd = Math.sqrt(3.5 + 1e-3);
    expect(y[0]).toBeCloseTo(-2 / sd, 5);
    expect(y[6]).toBeCloseTo(3 / sd, 5);
    expect(y[1]).toBeCloseTo(0, 6);
    expect(bn.weights.map((w) => w.originalName)).toEqual([
      'bn/beta',
      'bn/moving_mean',
      'bn/moving_variance',
    ]);
    const [, movingMean, movingVariance] = bn.getWeights().map((w) => Array.from(w.dataSync()));
    expect(movingMean[0]).toBeCloseTo(0.9 * 0 + 0.1 * 3, 6);
    expect(movingVariance[0]).toBeCloseTo(0.9 * 1 + 0.1 * 3.5, 6);
    expect(movingVariance[1]).toBeCloseTo(0.9, 6);
  });

  it('back-propagates without scale: a conv + BN(scale: false) model fits and beta moves', async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [4, 4, 1], filters: 2, kernelSize: 3, kernelInitializer: 'ones' }),
        kerasBatchNormalization({ name: 'bn', scale: false }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 2, activation: 'softmax', kernelInitializer: 'ones' }),
      ],
    });
    model.compile({ optimizer: tf.train.sgd(0.1), loss: 'categoricalCrossentropy' });
    const xs = tf.tensor4d(
      Array.from({ length: 32 }, (_, i) => (i * 7) % 5),
      [2, 4, 4, 1],
    );
    const ys = tf.tensor2d([1, 0, 0, 1], [2, 2]);
    const h = await model.fit(xs, ys, { epochs: 2, batchSize: 2, verbose: 0 });
    expect((h.history['loss'] as number[]).every(Number.isFinite)).toBe(true);
    const beta = model.getLayer('bn').getWeights()[0];
    expect(Array.from(beta.dataSync()).some((v) => v !== 0)).toBe(true);
  });

  it('a frozen layer runs in inference mode and keeps its moving statistics, as in Keras 2', () => {
    const bn = kerasBatchNormalization({ scale: false });
    bn.apply(x(), { training: false }); // build
    bn.trainable = false;
    const y = values(bn.apply(x(), { training: true }));
    expect(y[6]).toBeCloseTo(6 / Math.sqrt(1 + 1e-3), 5); // moving mean 0, variance 1
    expect(
      bn
        .getWeights()
        .slice(1)
        .map((w) => Array.from(w.dataSync())),
    ).toEqual([
      [0, 0],
      [1, 1],
    ]);
  });

  it('with scale and center it behaves exactly like tfjs BatchNormalization', () => {
    const ours = kerasBatchNormalization({ momentum: 0.5 });
    const theirs = tf.layers.batchNormalization({ momentum: 0.5 });
    expect(values(ours.apply(x(), { training: true }))).toEqual(
      values(theirs.apply(x(), { training: true })),
    );
    expect(ours.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(
      theirs.getWeights().map((w) => Array.from(w.dataSync())),
    );
  });

  it('serialises as a standard BatchNormalization and deserialises as itself (trainable after loading)', async () => {
    const bn = kerasBatchNormalization({ scale: false });
    expect(bn.getClassName()).toBe('BatchNormalization');
    expect(bn.getConfig()).toMatchObject({ scale: false, center: true, epsilon: 0.001, momentum: 0.99 });
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [2], units: 2 }), bn] });
    const loaded = await tf.models.modelFromJSON(model.toJSON(null, false) as never);
    expect(loaded.layers[1]).toBeInstanceOf(KerasBatchNormalization);
    loaded.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const h = await loaded.fit(tf.tensor2d([1, 2, 3, 4], [2, 2]), tf.tensor2d([0, 1, 1, 0], [2, 2]), {
      verbose: 0,
    });
    expect(Number.isFinite((h.history['loss'] as number[])[0])).toBe(true);
  });
});
