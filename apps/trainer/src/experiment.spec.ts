import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { importPhantoms, readDataset, splitDataset } from '@ropline/datasets';
import { initBackend, loadPipeline } from '@ropline/models';
import { generatePhantoms } from '@ropline/phantom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluatePipeline } from './evaluate.js';
import { runExperiment, type ExperimentOptions } from './experiment.js';
import { resolveProfile } from './profiles.js';

const quiet = { log: () => undefined };
let tmp: string;
let data: string;

beforeAll(async () => {
  await initBackend({ backend: 'wasm' }, quiet);
  tmp = await mkdtemp(path.join(os.tmpdir(), 'rop-exp-'));
  const cohort = path.join(tmp, 'cohort');
  data = path.join(tmp, 'ds');
  await generatePhantoms({ out: cohort, infants: 6, seed: 4, size: [160, 120] });
  await importPhantoms({ from: cohort, out: data });
  await splitDataset({ data, seed: 1, ratios: [3, 2, 1] });
}, 300_000);
afterAll(() => rm(tmp, { recursive: true, force: true }));

describe("rop experiment: the paper's three-arm comparison, end to end on phantoms", () => {
  it('trains all four models, evaluates the three pipelines on the same test items, and writes a consistent report', async () => {
    const profile = resolveProfile('cpu-quick', { epochs: 2, inputSize: 32 });
    profile.segmenter.depth = 2;
    const options: ExperimentOptions = {
      data,
      out: path.join(tmp, 'exp'),
      profile,
      seed: 3,
      stages: [1, 2, 3],
      name: 't',
      bootstrapIterations: 50,
    };
    const steps: string[] = [];
    const r = await runExperiment(options, { ctx: quiet, onStep: (s) => steps.push(s) });
    expect(r.interrupted).toBe(false);
    expect(steps).toEqual([
      'train segmenter-line',
      'train classifier-hybrid',
      'train classifier-image',
      'train segmenter-stages',
      'evaluate hybrid',
      'evaluate classifier-only',
      'evaluate segmentation-only',
      'report',
    ]);

    const ds = await readDataset(data);
    const testIds = ds.items
      .filter((i) => i.split === 'test' && i.stage !== null && i.stage > 0)
      .map((i) => i.id)
      .sort();
    expect(testIds.length).toBeGreaterThan(3);
    const report = JSON.parse(await readFile(path.join(options.out, 'report.json'), 'utf8'));
    for (const arm of ['hybrid', 'classifier-only', 'segmentation-only']) {
      const e = report.results[arm];
      expect(e.items.map((i: { id: string }) => i.id).sort()).toEqual(testIds);
      const m: number[][] = e.report.confusion.matrix;
      const total = m.flat().reduce((a, b) => a + b, 0);
      const correct = m.reduce((a, row, i) => a + row[i], 0);
      expect(total).toBe(testIds.length);
      expect(e.report.accuracy).toBeCloseTo(correct / total, 12);
      const hits = e.items.filter(
        (i: { truth: string; predicted: string }) => i.truth === i.predicted,
      ).length;
      expect(e.report.accuracy).toBeCloseTo(hits / total, 12);
      expect(e.ci.accuracy.lower).toBeLessThanOrEqual(e.report.accuracy + 1e-12);
      expect(e.ci.accuracy.upper).toBeGreaterThanOrEqual(e.report.accuracy - 1e-12);
    }
    expect(report.results.hybrid.segmentation.ap.mask.ap).toBeGreaterThanOrEqual(0);
    expect(report.results['classifier-only'].segmentation).toBeNull();
    expect(report.paper.lineAp).toBeCloseTo(0.5109, 4);
    const md = await readFile(path.join(options.out, 'report.md'), 'utf8');
    expect(md).toContain('## Table II (ours)');
    expect(md).toContain('different data');
    for (const f of [
      'confusion-hybrid.png',
      'confusion-classifier-only.png',
      'confusion-segmentation-only.png',
      'pr-curve-line-segmenter.png',
      'f1-per-stage.png',
    ]) {
      const bytes = await readFile(path.join(options.out, 'figures', f));
      expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
    }

    // The hybrid pipeline directory is self-contained and re-evaluates to the same predictions.
    const pipeline = await loadPipeline(r.pipelines.hybrid!, quiet);
    const again = await evaluatePipeline(pipeline, ds, {
      split: 'test',
      stages: [1, 2, 3],
      bootstrap: { iterations: 10, seed: 1 },
      ctx: quiet,
    });
    pipeline.dispose();
    expect(again.items.map((i) => i.predicted)).toEqual(
      report.results.hybrid.items.map((i: { predicted: string }) => i.predicted),
    );
    // The hybrid classifier was trained on the segmenter's masks: its manifest says which.
    const manifest = JSON.parse(
      await readFile(path.join(r.pipelines.hybrid!, 'classifier', 'manifest.json'), 'utf8'),
    );
    expect(manifest.training.notes.segmenter).toBe(path.join(options.out, 'runs', 'segmenter-line', 'model'));
    expect(manifest.training.datasetHash).toBe(ds.manifest.hash);

    // Running it again keeps the trained models (no step retrains) and reproduces the report.
    const mtime = (await stat(path.join(options.out, 'runs', 'segmenter-line', 'model', 'weights.bin')))
      .mtimeMs;
    const second = await runExperiment(options, { ctx: quiet });
    expect(
      (await stat(path.join(options.out, 'runs', 'segmenter-line', 'model', 'weights.bin'))).mtimeMs,
    ).toBe(mtime);
    expect(second.evaluations.hybrid!.report).toEqual(report.results.hybrid.report);
  }, 900_000);
});
