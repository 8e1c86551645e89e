import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../create-gateway.js';
import { makeOpInstance, newStudyUid, waitFor } from '../analysis/analysis.fixtures.js';
import { PUBLISH_RESULTS } from '../analysis/analysis.queues.js';
import { createDicomWebClient } from '../testing/stow.fixtures.js';
import { makeTempDir } from '../testing/temp-dir.util.js';
import { testGatewayConfig } from '../testing/gateway-config.util.js';
import { stageRank, studyStatusOf, type StudyResults, type WorklistItem } from './results.service.js';

const ctx = { log: () => undefined };
const at = (s: number) => new Date(s * 1000);

describe('studyStatusOf / stageRank', () => {
  it.each([
    [[], 'received'],
    [[{ id: 'a', status: 'running', createdAt: at(2) }], 'analysing'],
    [[{ id: 'a', status: 'retrying', createdAt: at(2) }], 'analysing'],
    [[{ id: 'a', status: 'failed', createdAt: at(2) }], 'failed'],
    [[{ id: 'a', status: 'done', createdAt: at(2) }], 'analysed'],
    [
      [
        { id: 'b', status: 'running', createdAt: at(3) },
        { id: 'a', status: 'done', createdAt: at(2) },
      ],
      'analysing',
    ],
    [
      [
        { id: 'b', status: 'done', createdAt: at(3) },
        { id: 'a', status: 'superseded', createdAt: at(2) },
      ],
      'analysed',
    ],
  ] as const)('%j -> %s', (analyses, status) => {
    expect(studyStatusOf([...analyses])).toBe(status);
  });
  it('ranks by class order; unknown and indeterminate below every class', () => {
    const classes = ['stage0', 'stage1', 'stage2', 'stage3'];
    expect(['stage0', 'stage2', 'stage3', 'indeterminate', 'x'].map((s) => stageRank(s, classes))).toEqual([
      0, 2, 3, -1, -1,
    ]);
  });
});

describe('Results API (gateway + embedded Postgres + demo pipeline)', () => {
  let tmp: Awaited<ReturnType<typeof makeTempDir>>;
  let gw: Gateway;
  const study = newStudyUid();
  const other = newStudyUid();
  const insts = [
    makeOpInstance(study, { laterality: 'R' }),
    makeOpInstance(study, { laterality: 'L' }),
    makeOpInstance(study, { laterality: 'L', corrupt: true }),
  ];
  const api = (p: string) => fetch(`${gw.url}${p}`);

  beforeAll(async () => {
    tmp = await makeTempDir('results');
    gw = await createGateway(
      testGatewayConfig(tmp.dir, {
        analysis: { quietPeriodMs: 300, eyeStageMinConfidence: 0 },
        worker: { backend: 'wasm' },
      }),
      ctx,
    );
    const client = createDicomWebClient(gw.url);
    await client.storeInstances({ datasets: insts.map((i) => i.buffer) });
    await waitFor(
      async () => ((await gw.db.prisma.analysis.count({ where: { status: 'done' } })) ? true : undefined),
      90_000,
      'a done analysis',
    );
    // A second study, never analysed: routed `ignore` (not OP).
    await client.storeInstances({
      datasets: [makeOpInstance(other, { sopClassUid: '1.2.840.10008.5.1.4.1.1.7', modality: 'OT' }).buffer],
    });
  });
  afterAll(async () => {
    await gw?.close();
    await tmp?.remove();
  });

  it('GET /api/studies/{uid}/results: status, pipeline, per-eye and per-image results', async () => {
    const res = await api(`/api/studies/${study}/results`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as StudyResults;
    const row = await gw.db.prisma.analysis.findFirstOrThrow({ where: { status: 'done' } });
    expect(body).toMatchObject({ studyInstanceUid: study, status: 'analysed', supersededAnalysisIds: [] });
    expect(body.analysis).toMatchObject({
      id: row.id,
      pipeline: { key: 'default', name: row.pipelineName, version: row.pipelineVersion },
      imageCount: 3,
    });
    expect(body.analysis!.pipeline.version).toMatch(/\S/);
    expect((body.analysis!.models as { kind: string }[]).map((m) => m.kind)).toEqual([
      'segmenter',
      'classifier',
    ]);
    const images = body.analysis!.images;
    expect(images.map((i) => [i.sopInstanceUid, i.laterality, i.status])).toEqual([
      [insts[0].sopInstanceUid, 'R', 'ok'],
      [insts[1].sopInstanceUid, 'L', 'ok'],
      [insts[2].sopInstanceUid, 'L', 'error'],
    ]);
    for (const i of images.slice(0, 2)) {
      const p = i.probabilities as Record<string, number>;
      expect(Object.values(p).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
      expect(i.confidence).toBeCloseTo(p[i.stage!], 6);
      expect(Array.isArray(i.lines)).toBe(true);
      expect(i.maskUrl).toBe(`/api/studies/${study}/instances/${i.sopInstanceUid}/mask`);
    }
    expect(images[2]).toMatchObject({
      stage: null,
      maskUrl: null,
      errorCode: expect.stringMatching(/^DICOM\./),
    });
    // Threshold 0: each eye's stage is its single good image's stage, that image is the evidence.
    expect(body.analysis!.eyes).toEqual([
      {
        laterality: 'L',
        stage: images[1].stage,
        confidence: images[1].confidence,
        imageCount: 1, // decoded images only (the corrupt one is an error row)
        evidence: { sopInstanceUid: insts[1].sopInstanceUid, frame: 0 },
        probabilities: images[1].probabilities,
      },
      {
        laterality: 'R',
        stage: images[0].stage,
        confidence: images[0].confidence,
        imageCount: 1,
        evidence: { sopInstanceUid: insts[0].sopInstanceUid, frame: 0 },
        probabilities: images[0].probabilities,
      },
    ]);
  });

  it('GET .../instances/{sop}/mask: the mask PNG blob; 404 for no mask, 400 for bad UIDs', async () => {
    const res = await api(`/api/studies/${study}/instances/${insts[0].sopInstanceUid}/mask`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    const png = Buffer.from(await res.arrayBuffer());
    const pred = await gw.db.prisma.prediction.findFirstOrThrow({
      where: { instance: { sopInstanceUid: insts[0].sopInstanceUid } },
    });
    expect(createHash('sha256').update(png).digest('hex')).toBe(pred.maskSha256);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect((await api(`/api/studies/${study}/instances/${insts[2].sopInstanceUid}/mask`)).status).toBe(404);
    expect((await api(`/api/studies/${other}/instances/${insts[0].sopInstanceUid}/mask`)).status).toBe(404);
    expect(
      (await api(`/api/studies/${study}/instances/${insts[0].sopInstanceUid}/mask?frame=1`)).status,
    ).toBe(404);
    expect((await api(`/api/studies/${study}/instances/..%2F..%2Fx/mask`)).status).toBe(400);
    expect(
      (await api(`/api/studies/${study}/instances/${insts[0].sopInstanceUid}/mask?frame=-1`)).status,
    ).toBe(400);
  });

  it('404 for an unknown study, 400 for a bad UID', async () => {
    expect((await api(`/api/studies/1.2.3.999/results`)).status).toBe(404);
    const bad = await api(`/api/studies/..%2F..%2Fx/results`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'RESULTS.BAD_REQUEST' });
    expect((await api(`/api/studies/1.02.3/results`)).status).toBe(400);
  });

  it('GET /api/studies: worklist filtered by status and stageAtLeast, no PHI', async () => {
    const all = (await (await api('/api/studies')).json()) as WorklistItem[];
    expect(all.map((s) => [s.studyInstanceUid, s.status])).toEqual([
      [other, 'received'],
      [study, 'analysed'],
    ]);
    const analysed = (await (await api('/api/studies?status=analysed')).json()) as WorklistItem[];
    expect(analysed.map((s) => s.studyInstanceUid)).toEqual([study]);
    const results = (await (await api(`/api/studies/${study}/results`)).json()) as StudyResults;
    expect(analysed[0].eyes).toEqual(
      results.analysis!.eyes.map((e) => ({ laterality: e.laterality, stage: e.stage })),
    );
    const worst = Math.max(...analysed[0].eyes.map((e) => Number(e.stage.replace('stage', ''))));
    const atWorst = (await (await api(`/api/studies?stageAtLeast=stage${worst}`)).json()) as WorklistItem[];
    expect(atWorst.map((s) => s.studyInstanceUid)).toEqual([study]);
    const above = (await (await api(`/api/studies?stageAtLeast=stage${worst + 1}`)).json()) as WorklistItem[];
    expect(above).toEqual([]);
    expect(((await (await api('/api/studies?status=failed')).json()) as unknown[]).length).toBe(0);
    expect(
      ((await (await api('/api/studies?limit=1&offset=1')).json()) as WorklistItem[]).map(
        (s) => s.studyInstanceUid,
      ),
    ).toEqual([study]);
    expect((await api('/api/studies?status=bogus')).status).toBe(400);
    expect((await api('/api/studies?stageAtLeast=../x')).status).toBe(400);
    expect((await api('/api/studies?limit=-1')).status).toBe(400);
    expect(JSON.stringify(all)).not.toMatch(/Patient|Secret/);
  });

  it('a done analysis enqueues publish-results with its id', async () => {
    const done = await gw.db.prisma.analysis.findMany({ where: { status: 'done' } });
    const jobs = await gw.analysis.queue.findJobs(PUBLISH_RESULTS);
    expect(jobs.map((j) => j.data)).toEqual(done.map((a) => ({ analysisId: a.id })));
  });
});
