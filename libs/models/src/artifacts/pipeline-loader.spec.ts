import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFundusLike } from '@ropline/testing';
import { writeTinyPipeline } from '../testing/tiny-pipeline.fixture.js';
import { loadModel } from './model-loader.js';
import { loadPipeline, loadSegmenterFrom } from './pipeline-loader.js';
import { createStagingPipeline } from '../pipelines/staging.pipeline.js';
import type { Classifier } from '../ports/classifier.port.js';
import type { Segmenter } from '../ports/segmenter.port.js';

const dir = mkdtempSync(path.join(tmpdir(), 'rop-pipeline-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('pipeline directories', () => {
  const image = makeFundusLike(80, 60, 9);

  it('a saved hybrid pipeline loads back verified and gives the same result as its parts', async () => {
    const p = path.join(dir, 'hybrid');
    await writeTinyPipeline(p, 'hybrid');
    const pipeline = await loadPipeline(p);
    const r = await pipeline.analyze(image);
    expect(r.models).toEqual([
      { kind: 'segmenter', name: 'tiny-unet', version: '0.0.1' },
      { kind: 'classifier', name: 'tiny-cnn', version: '0.0.2' },
    ]);
    const seg = (await loadModel(path.join(p, 'segmenter'))).model as Segmenter;
    const cls = (await loadModel(path.join(p, 'classifier'))).model as Classifier;
    const again = await createStagingPipeline('hybrid', { segmenter: seg, classifier: cls }).analyze(image);
    expect(again.probabilities).toEqual(r.probabilities);
    expect(Buffer.from(again.maskAtInputSize!.data).equals(Buffer.from(r.maskAtInputSize!.data))).toBe(true);

    const runner = await loadSegmenterFrom(p);
    const s = await runner.run(image);
    expect(Buffer.from(s.maskAtInputSize.data).equals(Buffer.from(r.maskAtInputSize!.data))).toBe(true);
    for (const d of [pipeline, seg, cls, runner.segmenter]) d.dispose();
  });

  it('refuses a tampered model inside a pipeline, and a directory that is not one', async () => {
    const p = path.join(dir, 'tampered');
    await writeTinyPipeline(p, 'classifier-only');
    const w = path.join(p, 'classifier', 'weights.bin');
    const bytes = readFileSync(w);
    bytes[0] ^= 0xff;
    writeFileSync(w, bytes);
    await expect(loadPipeline(p)).rejects.toMatchObject({ code: 'MODEL.CHECKSUM_MISMATCH' });
    await expect(loadPipeline(path.join(dir, 'missing'))).rejects.toMatchObject({
      code: 'MODEL.ARTIFACT_INVALID',
    });
    await expect(loadSegmenterFrom(p)).rejects.toThrow(/has no segmenter/);
  });

  it('refuses a manifest whose recorded config disagrees with it', async () => {
    const p = path.join(dir, 'lying');
    await writeTinyPipeline(p, 'segmentation-only');
    const mf = path.join(p, 'segmenter', 'manifest.json');
    const m = JSON.parse(readFileSync(mf, 'utf8'));
    m.classes = ['stage1', 'stage2', 'stage9'];
    writeFileSync(mf, JSON.stringify(m));
    await expect(loadPipeline(p)).rejects.toMatchObject({ code: 'MODEL.MANIFEST_MISMATCH' });
  });
});
