import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../create-gateway.js';
import { DEFAULT_ROUTE_RULES } from '../routing/routing.config.js';
import { makeTempDir } from '../testing/temp-dir.util.js';
import { testGatewayConfig } from '../testing/gateway-config.util.js';
import { createDicomWebClient } from '../testing/stow.fixtures.js';
import { DEMO_PIPELINE_DIR } from './analysis.config.js';
import { ANALYZE_STUDY, ANALYZE_STUDY_DEAD } from './analysis.queues.js';
import { makeOpInstance, newStudyUid, waitFor } from './analysis.fixtures.js';
import { aggregateEyes } from './eye-aggregate.rule.js';

const manifest = (sub: string) =>
  JSON.parse(
    readFileSync(path.join(DEMO_PIPELINE_DIR, sub, sub === '.' ? 'pipeline.json' : 'manifest.json'), 'utf8'),
  );
const PIPE = manifest('.');
const SEG = manifest('segmenter');
const CLS = manifest('classifier');
const SC = '1.2.840.10008.5.1.4.1.1.7';
const ctx = { log: () => undefined };

describe('routing, study assembly, analyze-study queue and worker (embedded Postgres + pg-boss)', () => {
  let tmp: Awaited<ReturnType<typeof makeTempDir>>;
  let gw: Gateway;
  let client: ReturnType<typeof createDicomWebClient>;
  beforeAll(async () => {
    tmp = await makeTempDir('analysis');
    gw = await createGateway(
      testGatewayConfig(tmp.dir, {
        routing: {
          rules: [
            { name: 'broken', match: { manufacturer: 'BROKEN*' }, action: 'analyze', pipeline: 'broken' },
            ...DEFAULT_ROUTE_RULES,
          ],
        },
        analysis: {
          quietPeriodMs: 500,
          eyeStageMinConfidence: 0,
          pipelines: { broken: { dir: path.join(tmp.dir, 'no-such-pipeline') } },
          queue: { retryLimit: 1, retryDelaySeconds: 1, retryBackoff: true },
        },
        worker: { backend: 'wasm' },
      }),
      ctx,
    );
    client = createDicomWebClient(gw.url);
  });
  afterAll(async () => {
    await gw?.close();
    await tmp?.remove();
  });

  const studyOf = (uid: string) => gw.db.prisma.study.findUniqueOrThrow({ where: { studyInstanceUid: uid } });
  const analysesOf = async (uid: string) =>
    gw.db.prisma.analysis.findMany({
      where: { studyId: (await studyOf(uid)).id },
      orderBy: { createdAt: 'asc' },
      include: { predictions: { include: { instance: true } }, eyes: true },
    });
  const doneAnalyses = (uid: string, n: number) =>
    waitFor(
      async () => {
        const all = await analysesOf(uid);
        return all.filter((a) => a.status === 'done').length >= n ? all : undefined;
      },
      90_000,
      `${n} done analysis of ${uid}`,
    );

  const study1 = newStudyUid();

  it('analyses an OP study after the quiet period: one prediction per routed image, per-eye stages', async () => {
    const insts = [
      makeOpInstance(study1, { laterality: 'R' }),
      makeOpInstance(study1, { laterality: 'R' }),
      makeOpInstance(study1, { laterality: 'L' }),
      // Modality OP under the SC class: routed by the modality rule.
      makeOpInstance(study1, { laterality: 'L', sopClassUid: SC }),
      makeOpInstance(study1, { laterality: 'R', corrupt: true }),
      // Neither OP class nor modality: ignored.
      makeOpInstance(study1, { sopClassUid: SC, modality: 'OT' }),
    ];
    await client.storeInstances({ datasets: insts.map((i) => i.buffer) });
    const decisions = await gw.db.prisma.routingDecision.findMany({
      where: { instance: { sopInstanceUid: { in: insts.map((i) => i.sopInstanceUid) } } },
      include: { instance: true },
    });
    const byUid = new Map(decisions.map((d) => [d.instance.sopInstanceUid, [d.action, d.rule, d.pipeline]]));
    expect(insts.map((i) => byUid.get(i.sopInstanceUid))).toEqual([
      ['analyze', 'op-sop-class', 'default'],
      ['analyze', 'op-sop-class', 'default'],
      ['analyze', 'op-sop-class', 'default'],
      ['analyze', 'op-modality', 'default'],
      ['analyze', 'op-sop-class', 'default'],
      ['ignore', 'default', null],
    ]);

    const [a] = await doneAnalyses(study1, 1);
    // Quiet period: the analysis started >= 500 ms after the study's last routed instance.
    const lastRouted = Math.max(
      ...decisions.filter((d) => d.action === 'analyze').map((d) => d.decidedAt.getTime()),
    );
    expect(a.createdAt.getTime()).toBeGreaterThanOrEqual(lastRouted + 500);
    expect(a).toMatchObject({
      status: 'done',
      pipelineKey: 'default',
      pipelineName: PIPE.name,
      pipelineVersion: PIPE.version,
      imageCount: 5,
      attempts: 1,
    });
    const preds = [...a.predictions].sort(
      (x, y) => (x.instance.instanceNumber ?? 0) - (y.instance.instanceNumber ?? 0),
    );
    expect(preds.map((p) => [p.instance.sopInstanceUid, p.laterality, p.status])).toEqual([
      [insts[0].sopInstanceUid, 'R', 'ok'],
      [insts[1].sopInstanceUid, 'R', 'ok'],
      [insts[2].sopInstanceUid, 'L', 'ok'],
      [insts[3].sopInstanceUid, 'L', 'ok'],
      [insts[4].sopInstanceUid, 'R', 'error'],
    ]);
    expect(preds[4].errorCode).toMatch(/^DICOM\./);
    for (const p of preds.slice(0, 4)) {
      expect(p.models).toEqual([
        { kind: 'segmenter', name: SEG.name, version: SEG.version },
        { kind: 'classifier', name: CLS.name, version: CLS.version },
      ]);
      const probs = p.probabilities as Record<string, number>;
      expect(Object.keys(probs)).toEqual(CLS.classes);
      expect(Object.values(probs).reduce((s, v) => s + v, 0)).toBeCloseTo(1, 4);
      expect(p.confidence).toBe(probs[p.stage!]);
      expect(Math.max(...Object.values(probs))).toBe(probs[p.stage!]);
      expect((p.latencies as { total: number }).total).toBeGreaterThan(0);
      expect(Array.isArray(p.lines)).toBe(true);
      const png = await gw.blobs.get(p.maskSha256!);
      expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
      expect(png.readUInt32BE(16)).toBe(120); // IHDR width = the image's width
    }
    // Per-eye: threshold 0 -> the most severe predicted stage of each eye.
    const severest = (eye: string) =>
      preds
        .filter((p) => p.laterality === eye && p.status === 'ok')
        .map((p) => p.stage!)
        .sort((x, y) => CLS.classes.indexOf(y) - CLS.classes.indexOf(x))[0];
    const eyes = Object.fromEntries(a.eyes.map((e) => [e.laterality, [e.stage, e.imageCount]]));
    expect(eyes).toEqual({ R: [severest('R'), 2], L: [severest('L'), 2] });
    const evidence = a.eyes.find((e) => e.laterality === 'R')!.evidencePredictionId;
    expect(preds.find((p) => p.id === evidence)?.stage).toBe(severest('R'));
    expect(aggregateEyes([], 0)).toEqual([]);
  });

  it('a late instance triggers a new analysis that supersedes the earlier one', async () => {
    await client.storeInstances({ datasets: [makeOpInstance(study1, { laterality: 'L' }).buffer] });
    const all = await doneAnalyses(study1, 1).then(() =>
      waitFor(
        async () => {
          const list = await analysesOf(study1);
          return list.length === 2 && list[1].status === 'done' ? list : undefined;
        },
        90_000,
        'the second analysis',
      ),
    );
    expect(all.map((x) => [x.status, x.imageCount])).toEqual([
      ['superseded', 5],
      ['done', 6],
    ]);
    expect(all[0].supersededById).toBe(all[1].id);
    expect(all[1].eyes.find((e) => e.laterality === 'L')?.imageCount).toBe(3);
  });

  it('concurrent triggers of one study make one job; three concurrent sends analyse once', async () => {
    const study = newStudyUid();
    const insts = [makeOpInstance(study, { laterality: 'R' }), makeOpInstance(study, { laterality: 'L' })];
    await Promise.all([1, 2, 3].map(() => client.storeInstances({ datasets: insts.map((i) => i.buffer) })));
    const [a] = await doneAnalyses(study, 1);
    await new Promise((r) => setTimeout(r, 2000)); // a doubled job would have run by now
    expect((await analysesOf(study)).map((x) => [x.status, x.imageCount])).toEqual([['done', 2]]);
    expect(a.eyes.map((e) => e.laterality)).toEqual(['R', 'L']);

    const other = newStudyUid();
    const ids = await Promise.all(
      [1, 2].map(() =>
        gw.analysis.assembler.trigger({ studyInstanceUid: other, pipeline: 'default' }, 600_000),
      ),
    );
    expect(ids.filter((id) => id !== null)).toHaveLength(1);
    const jobs = (await gw.analysis.queue.findJobs(ANALYZE_STUDY)).filter(
      (j) => (j.data as { studyInstanceUid: string }).studyInstanceUid === other,
    );
    expect(jobs.map((j) => [j.id, j.state, j.singletonKey])).toEqual([
      [ids.find((id) => id), 'created', `${other}|default@${PIPE.version}`],
    ]);
  });

  it('a pipeline that cannot load: retried, then dead-lettered and visible as failed', async () => {
    const study = newStudyUid();
    await client.storeInstances({
      datasets: [makeOpInstance(study, { laterality: 'R', manufacturer: 'BROKEN-1' }).buffer],
    });
    const failed = await waitFor(
      async () => {
        const [x] = await analysesOf(study);
        return x?.status === 'failed' ? x : undefined;
      },
      60_000,
      'failed analysis',
    );
    expect(failed).toMatchObject({
      pipelineKey: 'broken',
      attempts: 2,
      errorCode: 'ANALYSIS.PIPELINE_UNAVAILABLE',
    });
    expect(failed.predictions).toEqual([]);
    const dead = await waitFor(
      async () => {
        const jobs = await gw.analysis.queue.findJobs(ANALYZE_STUDY_DEAD);
        const mine = jobs.filter((j) => (j.data as { studyInstanceUid: string }).studyInstanceUid === study);
        return mine.length ? mine : undefined;
      },
      20_000,
      'dead-lettered job',
    );
    expect(dead).toHaveLength(1);
    expect(dead[0].data).toEqual({ studyInstanceUid: study, pipeline: 'broken' });
  });
});
