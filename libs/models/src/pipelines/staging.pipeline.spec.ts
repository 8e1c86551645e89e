import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { preprocess, stackChannels, standardize } from '@ropline/preprocess';
import { makeFundusLike } from '@ropline/testing';
import { loadCompactCnnClassifier } from '../classifiers/compact-cnn.classifier.js';
import { loadUnetSegmenter } from '../segmenters/unet.segmenter.js';
import { createStagingPipeline } from './staging.pipeline.js';

const SIZE = 32;
const preprocessing = { resize: { width: SIZE, height: SIZE } };

beforeAll(async () => {
  await tf.setBackend('cpu');
});

async function parts(opts: { head?: 'binary' | 'multiclass'; channels?: 1 | 2 } = {}) {
  const segmenter = await loadUnetSegmenter({
    inputSize: SIZE,
    depth: 2,
    baseFilters: 4,
    head: opts.head ?? 'binary',
    seed: 1,
    version: 's-1',
    // An untrained net's probabilities hover around 0.5: keep every component so the test sees instances.
    pixelThreshold: 0.3,
    confidenceThreshold: 0,
    preprocessing,
  });
  const classifier = await loadCompactCnnClassifier({
    inputSize: SIZE,
    inputChannels: opts.channels ?? 2,
    blocks: 2,
    baseFilters: 4,
    seed: 2,
    version: 'c-1',
    preprocessing,
  });
  return { segmenter, classifier };
}

describe('staging pipelines', () => {
  const image = makeFundusLike(96, 72, 5);
  const disposeLater: { dispose(): void }[] = [];
  afterAll(() => disposeLater.forEach((d) => d.dispose()));

  it('hybrid: segment, stack, classify, with versions, latencies and a full-size mask', async () => {
    const p = await parts();
    const pipeline = createStagingPipeline('hybrid', p);
    disposeLater.push(pipeline);
    const r = await pipeline.analyze(image);
    expect(r.pipeline).toBe('hybrid');
    expect(r.models.map((m) => `${m.kind}:${m.version}`)).toEqual(['segmenter:s-1', 'classifier:c-1']);
    expect(Object.keys(r.probabilities)).toEqual(['stage1', 'stage2', 'stage3']);
    expect(Object.values(r.probabilities).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect(r.stage).toBe(Object.entries(r.probabilities).sort((a, b) => b[1] - a[1])[0][0]);
    expect([r.maskAtInputSize?.width, r.maskAtInputSize?.height]).toEqual([96, 72]);
    expect(new Set(r.maskAtInputSize?.data)).toSatisfy((s: Set<number>) =>
      [...s].every((v) => v === 0 || v === 255),
    );
    for (const k of ['preprocess', 'segment', 'stack', 'classify', 'total'] as const) {
      expect(r.latencyMs[k]).toBeGreaterThanOrEqual(0);
    }
    expect(r.latencyMs.total).toBeGreaterThanOrEqual(r.latencyMs.segment! + r.latencyMs.classify!);
  });

  it('hybrid: the classifier sees the mask — same image, different masks, different probabilities', async () => {
    const { classifier, segmenter } = await parts();
    disposeLater.push(classifier, segmenter);
    const x = standardize(preprocess(image, preprocessing));
    const empty = { data: new Uint8Array(SIZE * SIZE), width: SIZE, height: SIZE, channels: 1 as const };
    const full = { ...empty, data: new Uint8Array(SIZE * SIZE).fill(255) };
    const a = await classifier.classify(stackChannels(x, empty));
    const b = await classifier.classify(stackChannels(x, full));
    expect(a.probabilities).not.toEqual(b.probabilities);
  });

  it('classifier-only and segmentation-only follow their rules', async () => {
    const c = await parts({ channels: 1 });
    c.segmenter.dispose();
    const co = createStagingPipeline('classifier-only', { classifier: c.classifier });
    disposeLater.push(co);
    const r1 = await co.analyze(image);
    expect(r1.segmentation).toBeNull();
    expect(r1.maskAtInputSize).toBeNull();
    expect(r1.latencyMs.segment).toBeUndefined();

    const s = await parts({ head: 'multiclass' });
    s.classifier.dispose();
    const so = createStagingPipeline('segmentation-only', { segmenter: s.segmenter });
    disposeLater.push(so);
    const r2 = await so.analyze(image);
    const areas: Record<string, number> = { stage1: 0, stage2: 0, stage3: 0 };
    for (const i of r2.segmentation!.instances) areas[i.label] += i.areaPx;
    const best = Object.entries(areas).sort((a, b) => b[1] - a[1] || b[0].localeCompare(a[0]))[0];
    expect(r2.stage).toBe(best[1] > 0 ? best[0] : 'none');
  });

  it('refuses parts that do not fit, with MODEL.PIPELINE_MISMATCH', async () => {
    const p = await parts({ channels: 1 });
    disposeLater.push(p.segmenter, p.classifier);
    expect(() => createStagingPipeline('hybrid', p)).toThrowError(
      expect.objectContaining({ code: 'MODEL.PIPELINE_MISMATCH' }),
    );
    expect(() => createStagingPipeline('segmentation-only', { segmenter: p.segmenter })).toThrow(
      /multi-class/,
    );
    expect(() => createStagingPipeline('classifier-only', {})).toThrow(/needs a classifier/);
  });

  it('does not leak tensors across repeated analyses', async () => {
    const pipeline = createStagingPipeline('hybrid', await parts());
    disposeLater.push(pipeline);
    await pipeline.analyze(image);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) await pipeline.analyze(image);
    expect(tf.memory().numTensors).toBe(before);
  });
});
