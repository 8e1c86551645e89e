import * as tf from '@tensorflow/tfjs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backends/init-backend.js';
import { fileSystemIO, MODEL_JSON, WEIGHTS_BIN } from './file-system.io.js';
import { quietContext } from './synthetic-lines.fixture.js';

let work: string;
beforeAll(async () => {
  await initBackend({ backend: 'cpu' }, quietContext);
  work = await mkdtemp(path.join(tmpdir(), 'ropline-fsio-'));
});
afterAll(() => rm(work, { recursive: true, force: true }));

function tinyModel(seed: number): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.dense({
        inputShape: [3],
        units: 2,
        name: 'dense',
        kernelInitializer: tf.initializers.glorotUniform({ seed }),
        biasInitializer: tf.initializers.randomUniform({ seed: seed + 1 }),
      }),
    ],
  });
}

const predict = (m: tf.LayersModel) =>
  tf.tidy(() => Array.from((m.predict(tf.tensor2d([[1, -2, 0.5]])) as tf.Tensor).dataSync()));

async function errorCode(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as { code?: string }).code ?? String(e);
  }
  return 'no error';
}

describe('fileSystemIO', () => {
  it('saves model.json + weights.bin and loads the same model back (tf.loadLayersModel)', async () => {
    const dir = path.join(work, 'a');
    const model = tinyModel(1);
    const result = await model.save(fileSystemIO(dir));
    expect(result.modelArtifactsInfo.weightDataBytes).toBe((3 * 2 + 2) * 4);
    expect((await readdir(dir)).sort()).toEqual([MODEL_JSON, WEIGHTS_BIN]);
    const json = JSON.parse(await readFile(path.join(dir, MODEL_JSON), 'utf8'));
    expect(json.format).toBe('layers-model');
    expect(json.weightsManifest[0].paths).toEqual([WEIGHTS_BIN]);
    const loaded = await tf.loadLayersModel(fileSystemIO(dir));
    expect(predict(loaded)).toEqual(predict(model));
    // nothing but the model directory is left in the parent (no temporary directories)
    expect(await readdir(work)).toEqual(['a']);
  });

  it('replaces an existing directory as a whole', async () => {
    const dir = path.join(work, 'b');
    await tinyModel(1).save(fileSystemIO(dir));
    await writeFile(path.join(dir, 'stale.txt'), 'old');
    const second = tinyModel(7);
    await second.save(fileSystemIO(dir));
    expect((await readdir(dir)).sort()).toEqual([MODEL_JSON, WEIGHTS_BIN]);
    expect(predict(await tf.loadLayersModel(fileSystemIO(dir)))).toEqual(predict(second));
    expect((await readdir(work)).filter((n) => n.includes('tmp'))).toEqual([]);
  });

  it('loads weights split over several shards, as tfjs-converter writes them', async () => {
    const dir = path.join(work, 'c');
    const model = tinyModel(3);
    await model.save(fileSystemIO(dir));
    const bytes = await readFile(path.join(dir, WEIGHTS_BIN));
    await writeFile(path.join(dir, 'group1-shard1of2.bin'), bytes.subarray(0, 10));
    await writeFile(path.join(dir, 'group1-shard2of2.bin'), bytes.subarray(10));
    const json = JSON.parse(await readFile(path.join(dir, MODEL_JSON), 'utf8'));
    json.weightsManifest[0].paths = ['group1-shard1of2.bin', 'group1-shard2of2.bin'];
    await writeFile(path.join(dir, MODEL_JSON), JSON.stringify(json));
    expect(predict(await tf.loadLayersModel(fileSystemIO(dir)))).toEqual(predict(model));
  });

  it('refuses weight paths outside the model directory, and missing files, with MODEL.LOAD_FAILED', async () => {
    const dir = path.join(work, 'd');
    await tinyModel(1).save(fileSystemIO(dir));
    const json = JSON.parse(await readFile(path.join(dir, MODEL_JSON), 'utf8'));
    json.weightsManifest[0].paths = ['../a/weights.bin'];
    await writeFile(path.join(dir, MODEL_JSON), JSON.stringify(json));
    expect(await errorCode(tf.loadLayersModel(fileSystemIO(dir)))).toBe('MODEL.LOAD_FAILED');
    expect(await errorCode(tf.loadLayersModel(fileSystemIO(path.join(work, 'missing'))))).toBe(
      'MODEL.LOAD_FAILED',
    );
    await writeFile(path.join(dir, MODEL_JSON), '{"modelTopology": {}}');
    expect(await errorCode(tf.loadLayersModel(fileSystemIO(dir)))).toBe('MODEL.LOAD_FAILED');
  });
});
