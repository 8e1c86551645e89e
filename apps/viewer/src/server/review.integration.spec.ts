import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRopError } from '@ropline/core';
import { decodeImageBytes } from '@ropline/preprocess';
import { parseViewerConfig } from '../config/viewer.config.js';
import type { LabelView } from '../review/label.view.js';
import type { StudyView } from '../review/study-view.service.js';
import type { WorklistRow } from '../review/worklist.service.js';
import {
  makeOpInstance,
  makeTempDir,
  newStudyUid,
  PLANTED_PHI,
  stow,
  waitFor,
} from '../testing/review.fixtures.js';
import { seedAnalysedStudy } from '../testing/review.seed.js';
import { startReviewStack, testTokens, TOKENS, type ReviewStack } from '../testing/review.stack.js';
import { createReviewServer } from './review.server.js';

const day = (d: number) => new Date(Date.UTC(2026, 10, d, 8));

describe('review API (gateway + embedded Postgres + demo pipeline)', () => {
  let stack: ReviewStack;
  let open: string; // review server without tokens (loopback)
  let authed: string; // review server with the test tokens
  const published: { uid: string; actor: string }[] = [];
  const study = newStudyUid();
  const insts = [
    makeOpInstance(study, { laterality: 'R' }),
    makeOpInstance(study, { laterality: 'L' }),
    makeOpInstance(study, { laterality: 'L', corrupt: true }),
  ];
  const seeded: Record<string, string> = {};
  let studyId = '';

  const get = (base: string, p: string, token?: string) =>
    fetch(`${base}${p}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const post = (base: string, p: string, body: unknown, token?: string) =>
    fetch(`${base}${p}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
  const view = async () => (await (await get(open, `/api/review/studies/${studyId}`)).json()) as StudyView;

  beforeAll(async () => {
    stack = await startReviewStack('review-api');
    expect(
      await stow(
        stack.gw.url,
        insts.map((i) => i.bytes),
      ),
    ).toBe(200); // the corrupt one stores fine, fails decoding later
    await waitFor(
      async () =>
        (await stack.gw.db.prisma.analysis.count({ where: { status: 'done' } })) ? true : undefined,
      'a done analysis',
    );
    studyId = (await stack.gw.db.prisma.study.findUniqueOrThrow({ where: { studyInstanceUid: study } })).id;
    const db = stack.gw.db;
    seeded.stage3Old = (
      await seedAnalysedStudy(db, {
        uid: newStudyUid(),
        receivedAt: day(1),
        eyes: { R: 'stage3', L: 'stage0' },
      })
    ).id;
    seeded.stage2Mid = (
      await seedAnalysedStudy(db, { uid: newStudyUid(), receivedAt: day(2), eyes: { R: 'stage2' } })
    ).id;
    seeded.stage0New = (
      await seedAnalysedStudy(db, { uid: newStudyUid(), receivedAt: day(3), eyes: { L: 'stage0' } })
    ).id;
    seeded.published = (
      await seedAnalysedStudy(db, {
        uid: newStudyUid(),
        receivedAt: day(1),
        eyes: { R: 'stage1' },
        outbox: ['sent', 'sent'],
      })
    ).id;
    seeded.pendingOut = (
      await seedAnalysedStudy(db, {
        uid: newStudyUid(),
        receivedAt: day(1),
        eyes: { R: 'stage1' },
        outbox: ['sent', 'pending', 'dead'],
      })
    ).id;
    open = (await stack.startReview()).url;
    authed = (
      await stack.startReview({
        tokens: testTokens(),
        publisher: { republish: async (uid, actor) => (published.push({ uid, actor }), { queued: 3 }) },
      })
    ).url;
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('worklist: status, per-eye stage/confidence, image count; needs-attention first, then newest', async () => {
    const res = await get(open, '/api/review/worklist');
    expect(res.status).toBe(200);
    const rows = (await res.json()) as WorklistRow[];
    const real = rows.find((r) => r.id === studyId)!;
    expect(real).toMatchObject({ studyInstanceUid: study, status: 'analysed', imageCount: 3 });
    expect(real.eyes.map((e) => [e.laterality, e.reviewed])).toEqual([
      ['L', false],
      ['R', false],
    ]);
    const eyeRows = await stack.gw.db.prisma.eyeResult.findMany({
      where: { analysis: { study: { id: studyId } } },
      orderBy: { laterality: 'asc' },
    });
    expect(real.eyes.map((e) => [e.stage, e.confidence])).toEqual(
      eyeRows.map((e) => [e.stage, e.confidence]),
    );
    const ids = rows.map((r) => r.id);
    const pos = (k: string) => ids.indexOf(seeded[k]);
    expect(pos('stage3Old')).toBeLessThan(pos('stage2Mid'));
    expect(pos('stage2Mid')).toBeLessThan(pos('stage0New'));
    // Below stage 2: newest first (stage0New day 3 before the day-1 stage1 studies).
    expect(pos('stage0New')).toBeLessThan(pos('published'));
    const attention = rows.map((r) => r.maxStageRank >= r.classes.indexOf('stage2'));
    expect(attention.indexOf(false)).toBeGreaterThan(attention.lastIndexOf(true));
    expect(
      rows.find((r) => r.id === seeded.stage3Old)!.eyes.map((e) => [e.laterality, e.stage, e.confidence]),
    ).toEqual([
      ['L', 'stage0', 0.7],
      ['R', 'stage3', 0.7],
    ]);
  });

  it('worklist: published when every outbox item is sent; counts pending/dead; filters', async () => {
    const rows = (await (await get(open, '/api/review/worklist')).json()) as WorklistRow[];
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(byId.get(seeded.published)).toMatchObject({ status: 'published', publish: { total: 2, sent: 2 } });
    expect(byId.get(seeded.pendingOut)).toMatchObject({
      status: 'analysed',
      publish: { total: 3, sent: 1, pending: 1, dead: 1 },
    });
    const pub = (await (await get(open, '/api/review/worklist?status=published')).json()) as WorklistRow[];
    expect(pub.map((r) => r.id)).toEqual([seeded.published]);
    const min2 = (await (await get(open, '/api/review/worklist?minStage=stage2')).json()) as WorklistRow[];
    expect(min2.map((r) => r.id)).toContain(seeded.stage3Old);
    expect(min2.map((r) => r.id)).toContain(seeded.stage2Mid);
    expect(min2.map((r) => r.id)).not.toContain(seeded.stage0New);
    expect(min2.every((r) => r.maxStageRank >= r.classes.indexOf('stage2'))).toBe(true);
    const min3 = (await (
      await get(open, '/api/review/worklist?minStage=stage3&status=analysed')
    ).json()) as WorklistRow[];
    expect(min3.map((r) => r.id)).toContain(seeded.stage3Old);
    expect(min3.map((r) => r.id)).not.toContain(seeded.stage2Mid);
    const page = (await (await get(open, '/api/review/worklist?limit=2&offset=1')).json()) as WorklistRow[];
    expect(page.map((r) => r.id)).toEqual(rows.slice(1, 3).map((r) => r.id));
    for (const q of ['status=bogus', 'minStage=../x', 'limit=-1', 'limit=5000']) {
      const bad = await get(open, `/api/review/worklist?${q}`);
      expect(bad.status, q).toBe(400);
      expect(await bad.json()).toMatchObject({ code: 'REVIEW.BAD_REQUEST' });
    }
  });

  it('study view: analysis with instance ids and sizes, no labels yet, publish state', async () => {
    const v = await view();
    expect(v).toMatchObject({ id: studyId, studyInstanceUid: study, status: 'analysed' });
    expect(v.classes).toEqual(['stage0', 'stage1', 'stage2', 'stage3']);
    const rows = await stack.gw.db.prisma.instance.findMany({
      where: { series: { study: { id: studyId } } },
    });
    const idOf = new Map(rows.map((r) => [r.sopInstanceUid, r.id]));
    expect(
      v.analysis!.images.map((i) => [i.instanceId, i.sopInstanceUid, i.rows, i.columns, i.status, i.hasMask]),
    ).toEqual([
      [idOf.get(insts[0].sopInstanceUid), insts[0].sopInstanceUid, 100, 120, 'ok', true],
      [idOf.get(insts[1].sopInstanceUid), insts[1].sopInstanceUid, 100, 120, 'ok', true],
      [idOf.get(insts[2].sopInstanceUid), insts[2].sopInstanceUid, 100, 120, 'error', false],
    ]);
    expect(v.analysis!.eyes.map((e) => [e.laterality, e.evidenceInstanceId])).toEqual([
      ['L', idOf.get(insts[1].sopInstanceUid)],
      ['R', idOf.get(insts[0].sopInstanceUid)],
    ]);
    for (const img of v.analysis!.images) {
      for (const pl of img.modelLines)
        for (const [x, y] of pl) expect(x >= -1 && x <= 120 && y >= -1 && y <= 100).toBe(true);
    }
    expect(v.labels).toEqual({ latest: { eyes: {}, images: {} }, history: [] });
    expect(v.publish).toEqual({
      counts: { total: 0, pending: 0, sending: 0, sent: 0, dead: 0 },
      byStatus: {},
    });
    expect(JSON.stringify(v)).not.toMatch(
      new RegExp(PLANTED_PHI.map((p) => p.replace('^', '\\^')).join('|')),
    );
    const pend = (await (await get(open, `/api/review/studies/${seeded.pendingOut}`)).json()) as StudyView;
    expect(pend.publish.counts).toEqual({ total: 3, pending: 1, sending: 0, sent: 1, dead: 1 });
    expect(Object.keys(pend.publish.byStatus).sort()).toEqual(['dead', 'pending', 'sent']);
    expect((await get(open, '/api/review/studies/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    const bad = await get(open, `/api/review/studies/${study}`); // a UID is not an id here
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'REVIEW.BAD_REQUEST' });
  });

  it('frames as PNG (downscaled to max side) and the current line mask', async () => {
    const v = await view();
    const img = v.analysis!.images[0];
    const full = await get(open, `/api/review/images/${img.instanceId}/frames/0.png`);
    expect(full.status).toBe(200);
    expect(full.headers.get('content-type')).toBe('image/png');
    const decoded = decodeImageBytes(new Uint8Array(await full.arrayBuffer()));
    expect([decoded.width, decoded.height, decoded.channels]).toEqual([120, 100, 3]);
    const small = decodeImageBytes(
      new Uint8Array(
        await (await get(open, `/api/review/images/${img.instanceId}/frames/0.png?max=60`)).arrayBuffer(),
      ),
    );
    expect([small.width, small.height]).toEqual([60, 50]);
    const etag = full.headers.get('etag')!;
    const again = await fetch(`${open}/api/review/images/${img.instanceId}/frames/0.png`, {
      headers: { 'if-none-match': etag },
    });
    expect(again.status).toBe(304);
    const mask = await get(open, `/api/review/images/${img.instanceId}/frames/0/mask.png`);
    expect(mask.status).toBe(200);
    const pred = await stack.gw.db.prisma.prediction.findFirstOrThrow({
      where: { instanceId: img.instanceId },
    });
    expect(
      createHash('sha256')
        .update(Buffer.from(await mask.arrayBuffer()))
        .digest('hex'),
    ).toBe(pred.maskSha256);
    expect((await get(open, `/api/review/images/${img.instanceId}/frames/1.png`)).status).toBe(404);
    expect(
      (await get(open, `/api/review/images/${v.analysis!.images[2].instanceId}/frames/0/mask.png`)).status,
    ).toBe(404);
    expect((await get(open, `/api/review/images/${img.instanceId}/frames/0.jpg`)).status).toBe(400);
    expect((await get(open, `/api/review/images/${img.instanceId}/frames/0.png?max=5`)).status).toBe(400);
    expect((await get(open, `/api/review/images/not-a-uuid/frames/0.png`)).status).toBe(400);
  });

  it('labels: stored with actor, time, agreement, analysis and model version; append-only history', async () => {
    const v = await view();
    const eyeR = v.analysis!.eyes.find((e) => e.laterality === 'R')!;
    const other = v.classes.find((c) => c !== eyeR.stage)!;
    const before = Date.now();
    const r1 = await post(
      authed,
      `/api/review/studies/${studyId}/labels`,
      { scope: 'eye', kind: 'stage', laterality: 'R', stage: eyeR.stage },
      TOKENS.clinician,
    );
    expect(r1.status).toBe(201);
    const l1 = (await r1.json()) as LabelView;
    expect(l1).toMatchObject({
      scope: 'eye',
      kind: 'stage',
      laterality: 'R',
      stage: eyeR.stage,
      actor: 'dr-ada',
      agreesWithModel: true,
      analysisId: v.analysis!.id,
      modelVersion: v.analysis!.pipeline.version,
      instanceId: null,
    });
    expect(Date.parse(l1.at)).toBeGreaterThanOrEqual(before - 1000);
    const r2 = await post(
      authed,
      `/api/review/studies/${studyId}/labels`,
      { scope: 'eye', kind: 'stage', laterality: 'R', stage: other, note: 'ridge seen on view 2' },
      TOKENS.clinician,
    );
    expect(r2.status).toBe(201);
    const l2 = (await r2.json()) as LabelView;
    expect(l2).toMatchObject({ stage: other, agreesWithModel: false, note: 'ridge seen on view 2' });
    const img = v.analysis!.images[0];
    const line = [
      [
        [10, 20],
        [30.5, 25],
        [60, 40],
      ],
    ];
    const r3 = await post(open, `/api/review/studies/${studyId}/labels`, {
      scope: 'image',
      kind: 'line',
      instanceId: img.instanceId,
      line,
    });
    expect(r3.status).toBe(201);
    expect(await r3.json()).toMatchObject({
      kind: 'line',
      laterality: 'R',
      frame: 0,
      line,
      actor: 'anonymous-loopback',
    });
    const r4 = await post(open, `/api/review/studies/${studyId}/labels`, {
      scope: 'image',
      kind: 'ungradable',
      instanceId: v.analysis!.images[2].instanceId,
      ungradable: true,
    });
    expect(await r4.json()).toMatchObject({ laterality: 'L', ungradable: true, agreesWithModel: true });
    const after = await view();
    expect(after.labels.history.map((l) => [l.kind, l.stage ?? l.ungradable ?? 'line'])).toEqual([
      ['stage', eyeR.stage],
      ['stage', other],
      ['line', 'line'],
      ['ungradable', true],
    ]);
    expect(after.labels.latest.eyes.R.stage!.id).toBe(l2.id);
    expect(after.labels.latest.images[`${img.instanceId}/0`].line!.line).toEqual(line);
    const rows = await stack.gw.db.prisma.confirmedLabel.findMany({
      where: { studyInstanceUid: study },
      orderBy: { id: 'asc' },
    });
    expect(rows.map((r) => [r.actor, r.stage])).toEqual([
      ['dr-ada', eyeR.stage],
      ['dr-ada', other],
      ['anonymous-loopback', null],
      ['anonymous-loopback', null],
    ]);
    const list = (await (await get(open, '/api/review/worklist')).json()) as WorklistRow[];
    expect(list.find((r) => r.id === studyId)!.eyes.map((e) => [e.laterality, e.reviewed])).toEqual([
      ['L', false],
      ['R', true],
    ]);
  });

  it('labels: 400 {code, message} for invalid bodies, 404 unknown study, 409 not analysed', async () => {
    const v = await view();
    const img = v.analysis!.images[0];
    const foreign = (
      await stack.gw.db.prisma.instance.findFirstOrThrow({
        where: { series: { study: { id: seeded.stage3Old } } },
      })
    ).id;
    const cases: [string, unknown][] = [
      ['stage outside classes', { scope: 'eye', kind: 'stage', laterality: 'R', stage: 'stage9' }],
      ['missing stage', { scope: 'eye', kind: 'stage', laterality: 'R' }],
      ['eye without R/L', { scope: 'eye', kind: 'stage', laterality: 'U', stage: 'stage1' }],
      ['eye line', { scope: 'eye', kind: 'line', laterality: 'R', line: [] }],
      [
        'eye with instance',
        { scope: 'eye', kind: 'stage', laterality: 'R', stage: 'stage1', instanceId: img.instanceId },
      ],
      [
        'point outside',
        {
          scope: 'image',
          kind: 'line',
          instanceId: img.instanceId,
          line: [
            [
              [0, 0],
              [120, 50],
            ],
          ],
        },
      ],
      ['one-point line', { scope: 'image', kind: 'line', instanceId: img.instanceId, line: [[[1, 1]]] }],
      ['foreign image', { scope: 'image', kind: 'stage', instanceId: foreign, stage: 'stage1' }],
      [
        'wrong laterality',
        { scope: 'image', kind: 'stage', instanceId: img.instanceId, laterality: 'L', stage: 'stage1' },
      ],
      [
        'frame past end',
        { scope: 'image', kind: 'stage', instanceId: img.instanceId, frame: 1, stage: 'stage1' },
      ],
      [
        'extra value',
        { scope: 'image', kind: 'stage', instanceId: img.instanceId, stage: 'stage1', ungradable: true },
      ],
      [
        'unknown field',
        { scope: 'eye', kind: 'stage', laterality: 'R', stage: 'stage1', actor: 'someone-else' },
      ],
      ['not an object', [1, 2]],
    ];
    const count = await stack.gw.db.prisma.confirmedLabel.count();
    for (const [what, body] of cases) {
      const res = await post(open, `/api/review/studies/${studyId}/labels`, body);
      expect(res.status, what).toBe(400);
      const err = (await res.json()) as { code: string; message: string };
      expect(err.code, what).toBe('REVIEW.BAD_REQUEST');
      expect(err.message, what).toMatch(/\S/);
    }
    for (const [body, type] of [
      ['{bad', 'application/json'],
      ['', 'application/json'],
      ['stage=stage1', 'text/plain'],
    ]) {
      const res = await fetch(`${open}/api/review/studies/${studyId}/labels`, {
        method: 'POST',
        headers: { 'content-type': type },
        body,
      });
      expect(res.status, body).toBe(400);
      expect(await res.json(), body).toMatchObject({ code: 'REVIEW.BAD_REQUEST' });
    }
    const unknown = await get(open, '/api/review/nothing');
    expect([unknown.status, ((await unknown.json()) as { code: string }).code]).toEqual([
      404,
      'REVIEW.NOT_FOUND',
    ]);
    expect(await stack.gw.db.prisma.confirmedLabel.count()).toBe(count);
    const missing = await post(open, '/api/review/studies/00000000-0000-4000-8000-000000000000/labels', {
      scope: 'eye',
      kind: 'stage',
      laterality: 'R',
      stage: 'stage1',
    });
    expect([missing.status, ((await missing.json()) as { code: string }).code]).toEqual([
      404,
      'REVIEW.NOT_FOUND',
    ]);
    const fresh = newStudyUid();
    await stack.gw.db.prisma.study.create({ data: { studyInstanceUid: fresh } });
    const freshId = (await stack.gw.db.prisma.study.findUniqueOrThrow({ where: { studyInstanceUid: fresh } }))
      .id;
    const early = await post(open, `/api/review/studies/${freshId}/labels`, {
      scope: 'eye',
      kind: 'stage',
      laterality: 'R',
      stage: 'stage1',
    });
    expect([early.status, ((await early.json()) as { code: string }).code]).toEqual([
      409,
      'REVIEW.NOT_ANALYSED',
    ]);
  });

  it('roles: 401 without/with unknown token, 403 for the wrong role, admin passes; /me names the principal', async () => {
    expect((await get(authed, '/api/review/worklist')).status).toBe(401);
    expect((await get(authed, '/api/review/worklist', 'not-a-known-token-at-all')).status).toBe(401);
    expect((await get(authed, '/api/review/worklist', TOKENS.sender)).status).toBe(403);
    expect((await get(authed, '/api/review/worklist', TOKENS.scientist)).status).toBe(403);
    expect((await get(authed, '/api/review/worklist', TOKENS.clinician)).status).toBe(200);
    expect((await get(authed, '/api/review/worklist', TOKENS.admin)).status).toBe(200);
    const label = { scope: 'eye', kind: 'stage', laterality: 'L', stage: 'stage0' };
    expect((await post(authed, `/api/review/studies/${studyId}/labels`, label, TOKENS.sender)).status).toBe(
      403,
    );
    expect((await post(authed, `/api/review/studies/${studyId}/labels`, label)).status).toBe(401);
    expect((await get(authed, '/api/review/labels/export', TOKENS.clinician)).status).toBe(403);
    const me = await get(authed, '/api/review/me', TOKENS.scientist);
    expect(await me.json()).toEqual({ name: 'sci-bo', roles: ['data-scientist'], authRequired: true });
    expect((await get(authed, '/api/review/me')).status).toBe(401);
    expect(await (await get(open, '/api/review/me')).json()).toMatchObject({
      name: 'anonymous-loopback',
      authRequired: false,
    });
  });

  it('export: JSON lines with study/series/instance UIDs for data scientists, no patient data', async () => {
    const res = await get(authed, '/api/review/labels/export', TOKENS.scientist);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    const text = await res.text();
    const lines = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const rows = await stack.gw.db.prisma.confirmedLabel.findMany({ orderBy: { id: 'asc' } });
    expect(lines.map((l) => l.id)).toEqual(rows.map((r) => r.id.toString()));
    const lineLabel = lines.find((l) => l.kind === 'line')!;
    expect(lineLabel).toMatchObject({
      studyInstanceUid: study,
      sopInstanceUid: insts[0].sopInstanceUid,
      seriesInstanceUid: `${study}.0`,
    });
    expect(lines.find((l) => l.scope === 'eye')).toMatchObject({
      sopInstanceUid: null,
      studyInstanceUid: study,
    });
    expect(text).not.toMatch(/Secret|PHI-REV|ACC-REV|20260202/);
    const future = await get(
      authed,
      `/api/review/labels/export?since=${encodeURIComponent('2100-01-01T00:00:00Z')}`,
      TOKENS.admin,
    );
    expect(await future.text()).toBe('');
    expect((await get(authed, '/api/review/labels/export?since=yesterday', TOKENS.scientist)).status).toBe(
      400,
    );
  });

  it('publish: 503 VIEWER.NO_PUBLISHER without one; 202 {queued} via the publisher with the actor', async () => {
    const none = await post(open, `/api/review/studies/${studyId}/publish`, {});
    expect(none.status).toBe(503);
    expect(await none.json()).toMatchObject({ code: 'VIEWER.NO_PUBLISHER' });
    const res = await post(authed, `/api/review/studies/${studyId}/publish`, {}, TOKENS.clinician);
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ queued: 3 });
    expect(published).toEqual([{ uid: study, actor: 'dr-ada' }]);
  });

  it('SPA: 503 with the build command when not built; the built files with a CSP when built', async () => {
    const tmp = await makeTempDir('spa');
    try {
      const bare = await stack.startReview({ webRoot: path.join(tmp.dir, 'missing') });
      const res = await fetch(`${bare.url}/`);
      expect(res.status).toBe(503);
      expect(await res.text()).toMatch(/npm run build -w apps\/viewer/);
      await mkdir(path.join(tmp.dir, 'dist', 'assets'), { recursive: true });
      await writeFile(
        path.join(tmp.dir, 'dist', 'index.html'),
        '<!doctype html><title>ROPline review</title>',
      );
      await writeFile(path.join(tmp.dir, 'dist', 'assets', 'app-1234.js'), 'console.log(1)');
      const built = await stack.startReview({ webRoot: path.join(tmp.dir, 'dist') });
      const page = await fetch(`${built.url}/`);
      expect([page.status, await page.text()]).toEqual([200, '<!doctype html><title>ROPline review</title>']);
      expect(page.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
      const js = await fetch(`${built.url}/assets/app-1234.js`);
      expect([js.status, js.headers.get('content-type')]).toEqual([200, 'text/javascript; charset=utf-8']);
      expect((await fetch(`${built.url}/assets/..%2Findex.html`)).status).toBe(404);
    } finally {
      await tmp.remove();
    }
  });

  it('refuses a non-loopback host without tokens; no planted PHI in any log line', async () => {
    const err = await createReviewServer({
      config: parseViewerConfig({ host: '0.0.0.0', port: 0 }),
      db: stack.gw.db,
      blobs: stack.gw.blobs,
      tokens: [],
      ctx: { log: () => undefined },
    }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(isRopError(err, 'CONFIG.INSECURE')).toBe(true);
    expect(stack.logs.some((l) => l.includes('review request failed'))).toBe(true);
    for (const phi of PLANTED_PHI) expect(stack.logs.join('\n')).not.toContain(phi);
  });
});
