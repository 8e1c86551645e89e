import * as tf from '@tensorflow/tfjs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backends/init-backend.js';
import { fileSystemIO } from './file-system.io.js';
import { kerasBatchNormalization } from './keras-batch-norm.layer.js';
import { createSeededInitializers } from './seeded-initializers.js';
import { quietContext } from './synthetic-lines.fixture.js';
import { loadWeightsStrict, transferWeights } from './transfer.js';

/** A small Inception-like classifier: conv -> BN (no scale) -> ReLU -> conv -> GAP -> dense. */
function build(channels: number, classes: number, seed: number): tf.LayersModel {
  const init = createSeededInitializers(seed);
  const input = tf.input({ shape: [8, 8, channels] });
  let x = tf.layers
    .conv2d({
      name: 'conv2d',
      filters: 4,
      kernelSize: 3,
      useBias: false,
      kernelInitializer: init.glorotUniform(),
    })
    .apply(input) as tf.SymbolicTensor;
  x = kerasBatchNormalization({ name: 'batch_normalization', scale: false }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.reLU().apply(x) as tf.SymbolicTensor;
  x = tf.layers
    .conv2d({ name: 'conv2d_1', filters: 4, kernelSize: 3, kernelInitializer: init.glorotUniform() })
    .apply(x) as tf.SymbolicTensor;
  x = tf.layers.globalAveragePooling2d({ name: 'avg_pool' }).apply(x) as tf.SymbolicTensor;
  const out = tf.layers
    .dense({
      name: 'predictions',
      units: classes,
      activation: 'softmax',
      kernelInitializer: init.glorotUniform(),
    })
    .apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

async function fitOneStep(model: tf.LayersModel, channels: number, classes: number, seed: number) {
  model.compile({ optimizer: tf.train.sgd(0.5), loss: 'categoricalCrossentropy' });
  const x = tf.randomNormal([4, 8, 8, channels], 0, 1, 'float32', seed);
  const y = tf.oneHot(
    [0, 1, 2, 0].map((c) => c % classes),
    classes,
  );
  await model.fit(x, y, { epochs: 1, batchSize: 4, shuffle: false, verbose: 0 });
  tf.dispose([x, y]);
}

/** Every weight of a layer as plain arrays (bit-for-bit comparable). */
const weightsOf = (m: tf.LayersModel, layer: string) =>
  m
    .getLayer(layer)
    .getWeights()
    .map((w) => Array.from(w.dataSync()));
const shapesOf = (m: tf.LayersModel, layer: string) =>
  m
    .getLayer(layer)
    .getWeights()
    .map((w) => w.shape);

let dir: string;
let source: tf.LayersModel;

beforeAll(async () => {
  await initBackend({ backend: 'cpu' }, quietContext);
  dir = await mkdtemp(path.join(tmpdir(), 'ropline-transfer-'));
  // The "pretrained" model: 3 channels, 5 classes, trained one step (BN statistics moved too).
  source = build(3, 5, 1);
  await fitOneStep(source, 3, 5, 2);
  await source.save(fileSystemIO(path.join(dir, 'pretrained')));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('transferWeights', () => {
  it('copies matching layers bit for bit, keeps fresh weights where shapes changed, freezes all but the heads', async () => {
    const target = build(2, 3, 99);
    const report = await transferWeights(target, path.join(dir, 'pretrained'), { freeze: 'heads' });
    expect(report.copied).toEqual(['batch_normalization', 'conv2d_1']);
    expect(report.reinitialised.map((r) => r.layer)).toEqual(['conv2d', 'predictions']);
    expect(report.reinitialised[0].reason).toBe('conv2d/kernel [3,3,3,4] -> [3,3,2,4]');
    expect(report.notInSource).toEqual([]);
    expect(report.unusedSource).toEqual([]);
    expect(report.trainable).toEqual(['conv2d', 'predictions']);

    for (const layer of report.copied) expect(weightsOf(target, layer)).toEqual(weightsOf(source, layer));
    expect(shapesOf(target, 'conv2d')).toEqual([[3, 3, 2, 4]]);
    expect(shapesOf(source, 'conv2d')).toEqual([[3, 3, 3, 4]]);
    expect(shapesOf(target, 'predictions')).toEqual([[4, 3], [3]]);
    expect(shapesOf(source, 'predictions')).toEqual([[4, 5], [5]]);
    expect(target.layers.filter((l) => l.trainable && l.weights.length > 0).map((l) => l.name)).toEqual([
      'conv2d',
      'predictions',
    ]);

    // One fit step: frozen layers (BN moving statistics included) do not move, the heads do.
    const before = { head: weightsOf(target, 'predictions'), first: weightsOf(target, 'conv2d') };
    await fitOneStep(target, 2, 3, 5);
    for (const layer of report.copied) expect(weightsOf(target, layer)).toEqual(weightsOf(source, layer));
    expect(weightsOf(target, 'predictions')).not.toEqual(before.head);
    expect(weightsOf(target, 'conv2d')).not.toEqual(before.first);
    target.dispose();
  });

  it("'all' leaves every layer trainable, and headLayers widen 'heads'", async () => {
    const all = build(2, 3, 99);
    const r1 = await transferWeights(all, path.join(dir, 'pretrained'), { freeze: 'all' });
    expect(r1.trainable).toEqual(['conv2d', 'batch_normalization', 'conv2d_1', 'predictions']);
    const before = weightsOf(all, 'conv2d_1');
    await fitOneStep(all, 2, 3, 5);
    expect(weightsOf(all, 'conv2d_1')).not.toEqual(before);
    all.dispose();

    const widened = build(3, 5, 4);
    const r2 = await transferWeights(widened, fileSystemIO(path.join(dir, 'pretrained')), {
      freeze: 'heads',
      headLayers: ['predictions'],
    });
    expect(r2.copied).toEqual(['conv2d', 'batch_normalization', 'conv2d_1', 'predictions']);
    expect(r2.reinitialised).toEqual([]);
    expect(r2.trainable).toEqual(['predictions']);
    widened.dispose();
  });

  it('does not leak: the decoded source tensors are freed', async () => {
    const target = build(2, 3, 99);
    const before = tf.memory().numTensors;
    await transferWeights(target, path.join(dir, 'pretrained'), { freeze: 'heads' });
    expect(tf.memory().numTensors).toBe(before);
    target.dispose();
  });
});

describe('loadWeightsStrict', () => {
  it('loads a same-architecture model exactly, and refuses one that does not fit', async () => {
    const same = build(3, 5, 42);
    await loadWeightsStrict(same, path.join(dir, 'pretrained'));
    for (const l of ['conv2d', 'batch_normalization', 'conv2d_1', 'predictions']) {
      expect(weightsOf(same, l)).toEqual(weightsOf(source, l));
    }
    const other = build(2, 5, 42);
    await expect(loadWeightsStrict(other, path.join(dir, 'pretrained'))).rejects.toMatchObject({
      code: 'MODEL.LOAD_FAILED',
      message: expect.stringContaining('conv2d/kernel [3,3,3,4] -> [3,3,2,4]'),
    });
    tf.dispose([same, other].flatMap((m) => m.weights.map((w) => w.read())));
  });
});
