import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePreprocessConfig } from '@ropline/preprocess';
import { loadModelArtifact, readModelManifest, saveModelArtifact } from './model-artifact.js';
import type { ModelManifestInput } from './model-manifest.schema.js';

const dir = mkdtempSync(path.join(tmpdir(), 'rop-artifact-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(async () => {
  await tf.setBackend('cpu');
});

function tinyClassifier(): tf.LayersModel {
  const m = tf.sequential();
  m.add(
    tf.layers.conv2d({
      inputShape: [8, 8, 2],
      filters: 3,
      kernelSize: 3,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
    }),
  );
  m.add(tf.layers.globalAveragePooling2d({}));
  m.add(
    tf.layers.dense({
      units: 3,
      activation: 'softmax',
      kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }),
    }),
  );
  return m;
}

const manifestInput: ModelManifestInput = {
  kind: 'classifier',
  architecture: 'classifier-test',
  name: 'tiny',
  version: '1.0.0',
  classes: ['stage1', 'stage2', 'stage3'],
  input: { width: 8, height: 8, channels: 2 },
  preprocessing: parsePreprocessConfig({ resize: { width: 8, height: 8 } }),
  training: { datasetHash: 'abc', seed: 7 },
  metrics: { accuracy: 0.5 },
};

describe('model artifacts', () => {
  const x = tf.tensor4d(
    Array.from({ length: 2 * 8 * 8 * 2 }, (_, i) => Math.sin(i)),
    [2, 8, 8, 2],
  );

  it('save -> load gives identical outputs and a pinned manifest', async () => {
    const model = tinyClassifier();
    const target = path.join(dir, 'a');
    const saved = await saveModelArtifact(target, model, manifestInput);
    expect(saved.files.map((f) => f.name)).toEqual(['model.json', 'weights.bin']);
    expect(saved.files.every((f) => /^[0-9a-f]{64}$/.test(f.sha256))).toBe(true);
    expect(await readModelManifest(target)).toEqual(saved);
    const { model: loaded, manifest } = await loadModelArtifact(target);
    expect(manifest.preprocessing.resize.width).toBe(8);
    const a = (model.predict(x) as tf.Tensor).dataSync();
    const b = (loaded.predict(x) as tf.Tensor).dataSync();
    expect(Array.from(b)).toEqual(Array.from(a));
  });

  it('refuses corrupted weights, a missing manifest and a manifest that lies', async () => {
    const model = tinyClassifier();
    const target = path.join(dir, 'b');
    await saveModelArtifact(target, model, manifestInput);
    const weights = path.join(target, 'weights.bin');
    const good = readFileSync(weights);
    const bad = Buffer.from(good);
    bad[bad.length - 1] ^= 1;
    writeFileSync(weights, bad);
    await expect(loadModelArtifact(target)).rejects.toMatchObject({ code: 'MODEL.CHECKSUM_MISMATCH' });
    writeFileSync(weights, good);
    await expect(loadModelArtifact(target)).resolves.toBeTruthy();

    await expect(loadModelArtifact(path.join(dir, 'nope'))).rejects.toMatchObject({
      code: 'MODEL.ARTIFACT_INVALID',
    });
    await expect(
      saveModelArtifact(path.join(dir, 'c'), model, { ...manifestInput, classes: ['a', 'b'] }),
    ).rejects.toMatchObject({ code: 'MODEL.MANIFEST_MISMATCH' });
    await expect(
      saveModelArtifact(path.join(dir, 'd'), model, {
        ...manifestInput,
        input: { width: 9, height: 8, channels: 2 },
      }),
    ).rejects.toMatchObject({ code: 'MODEL.MANIFEST_MISMATCH' });
    const mf = JSON.parse(readFileSync(path.join(target, 'manifest.json'), 'utf8'));
    mf.files[0].name = '../escape.json';
    writeFileSync(path.join(target, 'manifest.json'), JSON.stringify(mf));
    await expect(loadModelArtifact(target)).rejects.toMatchObject({ code: 'MODEL.ARTIFACT_INVALID' });
  });

  it('replaces an existing artifact atomically (no staging leftovers)', async () => {
    const target = path.join(dir, 'e');
    await saveModelArtifact(target, tinyClassifier(), manifestInput);
    const second = await saveModelArtifact(target, tinyClassifier(), { ...manifestInput, version: '2.0.0' });
    expect((await readModelManifest(target)).version).toBe('2.0.0');
    expect(second.version).toBe('2.0.0');
    expect(readdirSync(dir).filter((n) => n.startsWith('.'))).toEqual([]);
  });
});
