import * as tf from '@tensorflow/tfjs';
import { PluginRegistry, type ImageF32 } from '@ropline/core';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backends/init-backend.js';
import { fileSystemIO } from '../layers-util/file-system.io.js';
import { countParams } from '../layers-util/image-tensor.util.js';
import { quietContext } from '../layers-util/synthetic-lines.fixture.js';
import type { Classifier } from '../ports/classifier.port.js';
import { compactCnnClassifierPlugin, loadCompactCnnClassifier } from './compact-cnn.classifier.js';
import { inceptionV3ClassifierPlugin } from './inception-v3.classifier.js';

let work: string;
beforeAll(async () => {
  await initBackend({ backend: 'wasm' }, quietContext);
  work = await mkdtemp(path.join(tmpdir(), 'ropline-compact-'));
});
afterAll(() => rm(work, { recursive: true, force: true }));

const config = { inputSize: 32, inputChannels: 2 as const, seed: 1 };
const image = (channels = 2, size = 32): ImageF32 => ({
  data: new Float32Array(size * size * channels).map((_, i) => Math.cos(i / 5)),
  width: size,
  height: size,
  channels,
});

async function codeOf(p: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    return (e as { code?: string }).code ?? String(e);
  }
  return 'no error';
}

describe('compact CNN classifier', () => {
  it('builds 4 conv-BN-ReLU-pool blocks + GAP + dense: 25,011 parameters at 2 channels, 3 classes', async () => {
    const c = await loadCompactCnnClassifier(config);
    // convs 3x3 (no bias): 2*8 + 8*16 + 16*32 + 32*64 = 2704 * 9; BN 4 per channel; dense 64*3 + 3
    const expected = 2704 * 9 + 4 * (8 + 16 + 32 + 64) + 64 * 3 + 3;
    expect(countParams(c.model)).toEqual({ total: expected, trainable: expected - 240, nonTrainable: 240 });
    expect(expected).toBe(25_011);
    expect(c.info).toMatchObject({
      kind: 'classifier',
      name: 'compact-cnn',
      inputChannels: 2,
      inputSize: { width: 32, height: 32 },
    });
    c.dispose();
  });

  it('returns softmax probabilities in class order, the same for the same seed', async () => {
    const a = await loadCompactCnnClassifier({ ...config, classes: ['x', 'y', 'z', 'w'] });
    const b = await loadCompactCnnClassifier({ ...config, classes: ['x', 'y', 'z', 'w'] });
    const ra = await a.classify(image());
    expect(ra.classes).toEqual(['x', 'y', 'z', 'w']);
    expect(ra.probabilities).toHaveLength(4);
    expect(ra.probabilities.reduce((s, p) => s + p, 0)).toBeCloseTo(1, 5);
    expect(ra.probabilities[ra.classIndex]).toBe(Math.max(...ra.probabilities));
    expect(ra.label).toBe(ra.classes[ra.classIndex]);
    expect((await b.classify(image())).probabilities).toEqual(ra.probabilities);
    a.dispose();
    b.dispose();
  });

  it('does not leak tensors, frees its weights on dispose, and disposes idempotently', async () => {
    const start = tf.memory().numTensors;
    const c = await loadCompactCnnClassifier(config);
    await c.classify(image());
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) await c.classify(image());
    expect(tf.memory().numTensors).toBe(before);
    c.dispose();
    c.dispose();
    expect(tf.memory().numTensors).toBe(start);
    expect(await codeOf(c.classify(image()))).toBe('MODEL.DISPOSED');
    expect(await codeOf(() => c.inferenceModel())).toBe('MODEL.DISPOSED');
  });

  it('exposes the BatchNorm-folded model classify() predicts with (inferenceModel)', async () => {
    const c = await loadCompactCnnClassifier(config);
    const folded = c.inferenceModel();
    expect(folded).not.toBe(c.model);
    expect(folded.layers.some((l) => l.getClassName() === 'BatchNormalization')).toBe(false);
    const input = image();
    const probs = tf.tidy(() =>
      Array.from((folded.predict(tf.tensor4d(input.data, [1, 32, 32, 2])) as tf.Tensor).dataSync()),
    );
    expect(probs).toEqual((await c.classify(input)).probabilities);
    c.dispose();
  });

  it('rejects an input of the wrong size or channel count with MODEL.INPUT_MISMATCH', async () => {
    const c = await loadCompactCnnClassifier(config);
    const before = tf.memory().numTensors;
    expect(await codeOf(c.classify(image(1)))).toBe('MODEL.INPUT_MISMATCH');
    expect(await codeOf(c.classify(image(2, 31)))).toBe('MODEL.INPUT_MISMATCH');
    expect(await codeOf(c.classify({ ...image(), data: new Float32Array(5) }))).toBe('MODEL.INPUT_MISMATCH');
    expect(tf.memory().numTensors).toBe(before);
    c.dispose();
  });

  it('loads its own trained weights from a directory (weightsDir), strictly', async () => {
    const trained = await loadCompactCnnClassifier({ ...config, seed: 5 });
    const dir = path.join(work, 'trained');
    await trained.model.save(fileSystemIO(dir));
    const loaded = await loadCompactCnnClassifier({ ...config, seed: 6, weightsDir: dir });
    expect((await loaded.classify(image())).probabilities).toEqual(
      (await trained.classify(image())).probabilities,
    );
    expect(await codeOf(loadCompactCnnClassifier({ ...config, classes: ['a', 'b'], weightsDir: dir }))).toBe(
      'MODEL.LOAD_FAILED',
    );
    expect(await codeOf(loadCompactCnnClassifier({ ...config, weightsDir: dir, pretrained: { dir } }))).toBe(
      'CONFIG.INVALID',
    );
    trained.dispose();
    loaded.dispose();
  });

  it('is created through the plugin registry; bad configs fail with CONFIG.INVALID', async () => {
    const registry = new PluginRegistry([compactCnnClassifierPlugin, inceptionV3ClassifierPlugin]);
    expect(registry.ids('classifier')).toEqual(['classifier-compact-cnn', 'classifier-inception-v3']);
    const c = await registry.create<Classifier>('classifier', 'classifier-compact-cnn', config, quietContext);
    expect((await c.classify(image())).probabilities).toHaveLength(3);
    c.dispose();
    const bads: unknown[] = [
      { inputChannels: 5 },
      { classes: ['a'] },
      { classes: ['a', 'a'] },
      { blocks: 6, inputSize: 32 },
    ];
    for (const bad of bads) {
      expect(await codeOf(registry.create('classifier', 'classifier-compact-cnn', bad, quietContext))).toBe(
        'CONFIG.INVALID',
      );
      expect(await codeOf(loadCompactCnnClassifier(bad as never))).toBe('CONFIG.INVALID');
    }
    expect(
      await codeOf(
        loadCompactCnnClassifier({ inputSize: 64, preprocessing: { resize: { width: 128, height: 128 } } }),
      ),
    ).toBe('CONFIG.INVALID');
  });
});
