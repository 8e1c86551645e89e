import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import { readDataset, importPhantoms } from '@ropline/datasets';
import { openDatabase, type Database } from '@ropline/db';
import { initBackend, loadPipeline } from '@ropline/models';
import { generatePhantoms } from '@ropline/phantom';
import { readImageFile } from '@ropline/preprocess';
import { createModelRegistry, metricGate, type ModelRegistry, type RetrainMetrics } from '@ropline/registry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insideDataset } from '../files.util.js';
import { resolveProfile } from '../profiles.js';
import {
  FINE_TUNE_LR_FACTOR,
  registerCandidate,
  retrain,
  retrainProfile,
  type RetrainResult,
} from './retrain.js';
import { RETRAIN_REPORT_FILES, retrainSummary } from './retrain-report.js';

const DEMO = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../../models/demo/pipelines/hybrid',
);
const quiet = { log: () => undefined };
let tmp: string;
let snapshot: string;
let db: Database;
let registry: ModelRegistry;
let first: RetrainResult;

const options = (out: string, over: Partial<Parameters<typeof retrain>[0]> = {}) => ({
  dataset: snapshot,
  from: 'active' as const,
  activePipelineDir: DEMO,
  profile: resolveProfile('cpu-quick'),
  seed: 1,
  out: path.join(tmp, out),
  epochs: { segmenter: 1, classifier: 1 },
  bootstrapIterations: 200,
  ctx: quiet,
  ...over,
});

beforeAll(async () => {
  await initBackend({ backend: 'wasm' }, quiet);
  tmp = await mkdtemp(path.join(os.tmpdir(), 'rop-retrain-'));
  await chmod(tmp, 0o755); // as root, the embedded Postgres runs as `postgres` and must traverse it
  const cohort = path.join(tmp, 'cohort');
  snapshot = path.join(tmp, 'snapshot');
  await generatePhantoms({ out: cohort, infants: 8, seed: 21, size: [160, 120] });
  await importPhantoms({ from: cohort, out: snapshot }); // not split: retrain splits it
  db = await openDatabase({ dataDir: path.join(tmp, 'var') });
  registry = createModelRegistry({ prisma: db.prisma, storeDir: path.join(tmp, 'var', 'models') });
}, 300_000);
afterAll(async () => {
  await db?.close();
  await rm(tmp, { recursive: true, force: true });
});

describe('retrain: fine-tune the active pipeline on a snapshot, compare on the same held-out set', () => {
  it('fine-tunes at lr x0.1 with the active architecture', async () => {
    const { readModelManifest } = await import('@ropline/models');
    const p = retrainProfile(
      resolveProfile('cpu-quick'),
      'active',
      {
        segmenter: await readModelManifest(path.join(DEMO, 'segmenter')),
        classifier: await readModelManifest(path.join(DEMO, 'classifier')),
      },
      { classifier: 3 },
    );
    expect(FINE_TUNE_LR_FACTOR).toBe(0.1);
    expect(p.segmenter.optimizer.learningRate).toBeCloseTo(0.0005, 12);
    expect(p.classifier.optimizer.learningRate).toBeCloseTo(0.0005, 12);
    expect([p.inputSize, p.segmenter.depth, p.segmenter.baseFilters]).toEqual([96, 3, 8]);
    expect([p.classifier.epochs, p.segmenter.epochs]).toEqual([3, 30]);
  });

  it('produces a loadable candidate with its reports, registered with both metric sets on the same held-out ids', async () => {
    first = await retrain(options('rt-1'));
    const demo = JSON.parse(await readFile(path.join(DEMO, 'pipeline.json'), 'utf8'));
    const ds = await readDataset(path.join(tmp, 'rt-1', 'dataset'));
    expect(first.datasetDir).toBe(path.join(tmp, 'rt-1', 'dataset'));
    expect(first.name).toBe('rop-demo-hybrid');
    expect(first.version).toBe(`${demo.version}+rt.${ds.manifest.hash.slice(0, 8)}.1`);
    // The held-out set is the test split (originals, stages of the active classifier), grouped by infant.
    const testItems = ds.items.filter((i) => i.split === 'test' && i.stage !== null);
    const testIds = testItems.map((i) => i.id).sort();
    const trainInfants = new Set(ds.items.filter((i) => i.split !== 'test').map((i) => i.infant));
    expect(testItems.some((i) => trainInfants.has(i.infant))).toBe(false);
    expect(first.metrics.heldOut.items).toEqual(testIds);
    expect(first.metrics.heldOut.infants.length).toBeGreaterThanOrEqual(2);
    expect(first.evaluations.candidate.items.map((i) => i.id)).toEqual(
      first.evaluations.active.items.map((i) => i.id),
    );
    expect(first.metrics.candidate.heldOut).toBe(first.metrics.heldOut.fingerprint);
    expect(first.metrics.active.heldOut).toBe(first.metrics.heldOut.fingerprint);
    expect(first.metrics.active.pipeline).toEqual({ name: demo.name, version: demo.version });
    const m = first.metrics.candidate;
    expect(m.accuracy.estimate).toBeCloseTo(first.evaluations.candidate.report.accuracy, 12);
    for (const k of ['accuracy', 'macroF1', 'kappaQuadratic'] as const) {
      expect(m[k].lower).toBeLessThanOrEqual(m[k].estimate + 1e-12);
      expect(m[k].upper).toBeGreaterThanOrEqual(m[k].estimate - 1e-12);
    }
    expect(m.lineDice!.estimate).toBeGreaterThan(0);
    console.log(`retrain from active (1+1 epochs):\n${retrainSummary(first.metrics)}`);

    // The candidate loads and analyses an image.
    const pipeline = await loadPipeline(first.candidateDir, quiet);
    try {
      const r = await pipeline.analyze(await readImageFile(insideDataset(ds.dir, testItems[0].image)));
      expect(['stage0', 'stage1', 'stage2', 'stage3', 'no-line']).toContain(r.stage);
      expect(pipeline.models.map((x) => x.version)).toEqual([
        expect.stringContaining('+rt.'),
        expect.stringContaining('+rt.'),
      ]);
    } finally {
      pipeline.dispose();
    }
    // The evidence lies beside the model.
    const md = await readFile(path.join(first.candidateDir, 'retrain-report.md'), 'utf8');
    expect(md).toContain('| macro F1 |');
    expect(md).toContain(`${testIds.length} original images`);
    const json = JSON.parse(await readFile(path.join(first.candidateDir, 'retrain-report.json'), 'utf8'));
    expect(json.metrics).toEqual(JSON.parse(JSON.stringify(first.metrics)));
    const png = await readFile(path.join(first.candidateDir, 'retrain-comparison.png'));
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');

    // Registered as a candidate with { candidate, active, heldOut } and the reports in its immutable copy.
    const { model, created } = await registerCandidate(registry, first, { actor: 'retrain-test' });
    expect(created).toBe(true);
    expect(model.status).toBe('candidate');
    expect(model.version).toBe(first.version);
    const stored = model.metrics as unknown as RetrainMetrics & { attachments: Record<string, string> };
    expect(stored.heldOut.items).toEqual(testIds);
    // (Postgres jsonb may round a double in its last digit: compare to 12 places.)
    for (const set of ['candidate', 'active'] as const)
      for (const k of ['accuracy', 'macroF1', 'kappaQuadratic'] as const)
        for (const b of ['estimate', 'lower', 'upper'] as const)
          expect(stored[set][k][b]).toBeCloseTo(first.metrics[set][k][b], 12);
    expect(stored.candidate.heldOut).toBe(first.metrics.heldOut.fingerprint);
    expect(stored.active.pipeline).toEqual(first.metrics.active.pipeline);
    const escape = await registry
      .register(first.candidateDir, { actor: 'x', attachments: ['../snapshot/dataset.json'] })
      .then(
        () => null,
        (e: { code: string }) => e.code,
      );
    expect(escape).toBe('REGISTRY.BAD_ATTACHMENT');
    for (const f of RETRAIN_REPORT_FILES) {
      const bytes = await readFile(path.join(model.location, f));
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(stored.attachments[f]);
    }
  }, 600_000);

  it('is deterministic: same dataset and seed, same metrics', async () => {
    const again = await retrain(options('rt-2'));
    expect(again.version).toBe(first.version);
    expect(again.metrics).toEqual(first.metrics);
    expect(again.evaluations.candidate.items).toEqual(first.evaluations.candidate.items);
  }, 600_000);

  it('the metric gate refuses a really worse model; --force with a reason promotes it, audited', async () => {
    const demo = (await registry.register(DEMO, { actor: 'ops' })).model;
    await registry.promote(demo.name, demo.version, { actor: 'ops', reason: 'baseline' });

    // The fine-tuned candidate (seed 1) passes the gate against the demo version it was compared with.
    const good = await metricGate()((await registry.show(first.name, first.version)).model, demo);
    expect(good.ok, good.reasons.join('\n')).toBe(true);
    expect(good.reasons).toHaveLength(2);

    // A bad model: hybrid classifier trained from scratch for one epoch.
    const bad = await retrain(options('rt-bad', { from: 'scratch', seed: 7 }));
    console.log(`retrain from scratch (1+1 epochs):\n${retrainSummary(bad.metrics)}`);
    expect(bad.version).toMatch(/\+rt\.[0-9a-f]{8}\.7\.scratch$/);
    // Split seed 1 whatever the training seed: held out on the same items as the first candidate.
    expect(bad.metrics.heldOut.fingerprint).toBe(first.metrics.heldOut.fingerprint);
    expect(bad.metrics.heldOut.items).toEqual(first.metrics.heldOut.items);
    expect(bad.metrics.candidate.macroF1.estimate).toBeLessThan(bad.metrics.active.macroF1.estimate - 0.02);
    const reg = await registerCandidate(registry, bad, { actor: 'retrain-test' });
    const gate = metricGate();
    const err = await registry.promote(bad.name, bad.version, { actor: 'bob', gate }).then(
      () => null,
      (e: { code: string; message: string }) => e,
    );
    expect(err?.code).toBe('REGISTRY.GATE_FAILED');
    expect(err?.message).toMatch(/macro F1: candidate \d\.\d{3} \[\d\.\d{3}, \d\.\d{3}\] vs active/);
    expect(err?.message).toContain('FAIL');
    expect((await registry.getActive('pipeline', bad.name))?.version).toBe(demo.version);

    const forced = await registry.promote(bad.name, bad.version, {
      actor: 'bob',
      gate,
      force: true,
      reason: 'testing the override',
    });
    expect(forced.status).toBe('active');
    const events = (await registry.show(bad.name, bad.version)).events;
    const last = events[events.length - 1];
    expect(last.action).toBe('promote');
    expect(last.forced).toBe(true);
    expect(last.reason).toBe('testing the override');
    expect(last.fromVersion).toBe(demo.version);
    const details = last.details as { gatePassed: boolean; gateReasons: string[] };
    expect(details.gatePassed).toBe(false);
    expect(details.gateReasons.find((r) => r.startsWith('macro F1'))).toContain('FAIL');
    expect(reg.model.id).toBe(forced.id);

    // The good candidate was compared with the demo version, not with the bad one now active.
    const verdict = await gate((await registry.show(first.name, first.version)).model, forced);
    expect(verdict.ok).toBe(false);
    expect(verdict.reasons.join('\n')).toContain(`but the active version is ${bad.version}`);
  }, 600_000);
});
