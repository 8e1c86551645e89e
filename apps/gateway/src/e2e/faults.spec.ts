import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { openDatabase, type Database } from '@ropline/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeOpInstance, newStudyUid, waitFor } from '../analysis/analysis.fixtures.js';
import { ANALYZE_STUDY, PUBLISH_RESULTS } from '../analysis/analysis.queues.js';
import { contentPath } from '../blob/file-workers.js';
import { spawnGateway, killAllGateways, type GatewayProcess } from '../testing/gateway.process.js';
import { makeInstance, multipartBody, readStowReply, type TestInstance } from '../testing/stow.fixtures.js';
import { makeTempDir } from '../testing/temp-dir.util.js';

const MAX_INSTANCE = 200_000;
const CT = (b: string) => `multipart/related; type="application/dicom"; boundary=${b}`;
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Fault tests: the gateway runs in a child process (src/testing/gateway.child.ts) against a
 * Postgres this test owns (the scale-out setup: gateways are stateless over one Postgres and one
 * blob directory), so that SIGKILL hits the gateway only and a restart reuses the same data.
 */
describe('faults: SIGKILL while receiving / analysing, bad input against a live gateway', () => {
  let tmp: Awaited<ReturnType<typeof makeTempDir>>;
  let db: Database;
  let gw: GatewayProcess;
  let config: Record<string, unknown>;
  const blobDir = () => path.join(tmp.dir, 'gw', 'blobs');

  beforeAll(async () => {
    tmp = await makeTempDir('faults');
    db = await openDatabase({ dataDir: path.join(tmp.dir, 'pg') });
    config = {
      port: 0,
      dataDir: path.join(tmp.dir, 'gw'),
      databaseUrl: db.url,
      limits: { maxInstanceBytes: MAX_INSTANCE, minFreeDiskBytes: 0 },
      dimse: { enabled: false },
      // Only the analysis-fault study is analysed; everything else is stored and ignored.
      routing: { rules: [{ name: 'fault', match: { manufacturer: 'FAULT-*' }, action: 'analyze' }] },
      analysis: {
        quietPeriodMs: 300,
        // A killed worker's job expires after 20 s (longer than a normal run here) and is retried.
        queue: {
          retryLimit: 2,
          retryDelaySeconds: 1,
          retryBackoff: false,
          expireInSeconds: 20,
          superviseIntervalSeconds: 1,
        },
      },
      worker: { backend: 'wasm' },
    };
    gw = await spawnGateway(config);
  });
  afterAll(async () => {
    await gw?.stop();
    await killAllGateways();
    await db?.close();
    await tmp?.remove();
  });

  const stow = (body: Uint8Array, boundary: string, study?: string, type = CT(boundary)) =>
    fetch(`${gw.url}/dicomweb/studies${study ? `/${study}` : ''}`, {
      method: 'POST',
      headers: { 'content-type': type },
      body: Buffer.from(body),
    });
  const rowOf = (sop: string) => db.prisma.instance.findUnique({ where: { sopInstanceUid: sop } });
  const counts = async () => ({
    instances: await db.prisma.instance.count(),
    studies: await db.prisma.study.count(),
    series: await db.prisma.series.count(),
    jobs: Number(
      (
        (await db.prisma.$queryRawUnsafe(
          `SELECT count(*)::int AS n FROM pgboss.job WHERE name = '${ANALYZE_STUDY}'`,
        )) as { n: number }[]
      )[0].n,
    ),
  });
  const serving = async () => {
    expect((await fetch(`${gw.url}/dicomweb/studies?limit=1`)).status).toBeLessThan(300);
    expect((await fetch(`${gw.url}/api/studies?limit=1`)).status).toBe(200);
  };

  /** Every blob under its final name hashes to that name; every row's blob exists with its size. */
  const checkStoreConsistent = async () => {
    const rows = await db.prisma.instance.findMany();
    for (const r of rows) {
      const bytes = await readFile(contentPath(blobDir(), r.blobSha256, path.join, 'ab'));
      expect([r.sopInstanceUid, sha(bytes), bytes.length]).toEqual([
        r.sopInstanceUid,
        r.blobSha256,
        Number(r.byteSize),
      ]);
    }
    for (const a of await readdir(blobDir())) {
      if (a === 'tmp' || a === 'LAYOUT') continue;
      for (const f of await readdir(path.join(blobDir(), a))) {
        expect(sha(await readFile(path.join(blobDir(), a, f)))).toBe(f);
      }
    }
    return rows.length;
  };

  it('(a) SIGKILL while a large STOW request is being received: acknowledged instances intact', async () => {
    const acked: TestInstance[] = [];
    for (let i = 0; i < 3; i++) {
      const batch = [makeInstance({ size: 64 }), makeInstance({ size: 64 })];
      const res = await stow(
        multipartBody(
          'ack',
          batch.map((b) => b.bytes),
        ),
        'ack',
      );
      expect(res.status).toBe(200);
      acked.push(...batch);
    }
    const big = Array.from({ length: 80 }, () => makeInstance({ size: 256 }));
    const req = http.request(`${gw.url}/dicomweb/studies`, {
      method: 'POST',
      headers: { 'content-type': CT('big'), 'transfer-encoding': 'chunked' },
    });
    const outcome = new Promise<string>((resolve) => {
      req.once('response', (r) => resolve(`response ${r.statusCode}`));
      req.once('error', (e) => resolve(`error ${(e as NodeJS.ErrnoException).code ?? e.message}`));
    });
    const write = (b: Buffer) =>
      new Promise<void>((r) => (req.write(b) ? r() : req.once('drain', () => r())));
    const sent = multipartBody(
      'big',
      big.map((b) => b.bytes),
    );
    const half = Math.floor(sent.length / 2);
    for (let i = 0; i < half; i += 16_384) {
      await write(sent.subarray(i, Math.min(i + 16_384, half)));
      await sleep(2);
    }
    // Kill once some parts of this request are committed (not acknowledged: no response yet).
    await waitFor(
      async () =>
        (await db.prisma.instance.count({
          where: { sopInstanceUid: { in: big.map((b) => b.sopInstanceUid) } },
        })) >= 3
          ? true
          : undefined,
      20_000,
      'parts of the large request stored',
    );
    await write(sent.subarray(half, half + 100_000));
    await gw.kill9();
    expect(await outcome).toMatch(/^error /);
    req.destroy();

    gw = await spawnGateway(config);
    for (const a of acked) {
      const row = await rowOf(a.sopInstanceUid);
      expect(row?.blobSha256).toBe(a.sha256);
    }
    const partial = await db.prisma.instance.findMany({
      where: { sopInstanceUid: { in: big.map((b) => b.sopInstanceUid) } },
    });
    expect(partial.length).toBeGreaterThanOrEqual(3);
    expect(partial.length).toBeLessThan(big.length);
    // Stored parts are complete: the row names exactly the bytes that were sent.
    for (const p of partial)
      expect(p.blobSha256).toBe(big.find((b) => b.sopInstanceUid === p.sopInstanceUid)!.sha256);
    expect(await checkStoreConsistent()).toBe(acked.length + partial.length);
    // Served again: the whole large request now stores (the stored parts are idempotent re-sends).
    const again = await stow(sent, 'big');
    expect(again.status).toBe(200);
    expect(readStowReply(await again.json()).stored.length).toBe(big.length);
    expect(await checkStoreConsistent()).toBe(acked.length + big.length);
    const res = await fetch(`${gw.url}/dicomweb/instances?limit=1000`);
    expect(((await res.json()) as unknown[]).length).toBe(acked.length + big.length);
  });

  it('(b) SIGKILL while an analysis runs: after restart the job completes, exactly one done analysis', async () => {
    const study = newStudyUid();
    const insts = Array.from({ length: 40 }, (_, i) =>
      makeOpInstance(study, { laterality: i % 2 ? 'L' : 'R', manufacturer: 'FAULT-ANALYZE' }),
    );
    const res = await stow(
      multipartBody(
        'op',
        insts.map((i) => new Uint8Array(i.buffer)),
      ),
      'op',
    );
    expect(res.status).toBe(200);
    const running = await waitFor(
      async () =>
        (await db.prisma.analysis.findFirst({
          where: { study: { studyInstanceUid: study }, status: 'running' },
        })) ?? undefined,
      30_000,
      'a running analysis',
    );
    await gw.kill9();
    const killed = await db.prisma.analysis.findUniqueOrThrow({
      where: { id: running.id },
      include: { predictions: true },
    });
    expect(killed.status).toBe('running');
    expect(killed.predictions).toEqual([]);

    gw = await spawnGateway(config);
    const done = await waitFor(
      async () => {
        const a = await db.prisma.analysis.findMany({ where: { study: { studyInstanceUid: study } } });
        return a.some((x) => x.status === 'done') ? a : undefined;
      },
      120_000,
      'the retried analysis to finish',
    );
    await sleep(1500);
    const all = await db.prisma.analysis.findMany({ where: { study: { studyInstanceUid: study } } });
    expect(all.map((a) => [a.id, a.status, a.imageCount])).toEqual([[running.id, 'done', insts.length]]);
    expect(done[0].attempts).toBe(2);
    expect(await db.prisma.prediction.count({ where: { analysisId: running.id } })).toBe(insts.length);
    const jobs = (await db.prisma.$queryRawUnsafe(
      `SELECT state, retry_count AS "retryCount" FROM pgboss.job WHERE name = '${ANALYZE_STUDY}' AND id::text = $1`,
      running.jobId,
    )) as { state: string; retryCount: number }[];
    expect(jobs).toEqual([{ state: 'completed', retryCount: 1 }]);
    const published = (await db.prisma.$queryRawUnsafe(
      `SELECT data FROM pgboss.job WHERE name = '${PUBLISH_RESULTS}'`,
    )) as { data: unknown }[];
    expect(published.map((p) => p.data)).toEqual([{ analysisId: running.id }]);
    const results = await fetch(`${gw.url}/api/studies/${study}/results`);
    expect(((await results.json()) as { status: string }).status).toBe('analysed');
  });

  it('(c) bad input: exact statuses, no new rows, no job, the process keeps serving', async () => {
    const good = makeInstance();
    const other = makeInstance();
    const truncated = good.bytes.subarray(0, Math.floor(good.bytes.length / 2));
    const cases: { name: string; send: () => Promise<Response>; status: number; reasons?: number[] }[] = [
      { name: 'zero-byte body', send: () => stow(new Uint8Array(0), 'z'), status: 400 },
      {
        name: 'non-DICOM body (plain bytes, not multipart)',
        send: () => stow(Buffer.from('hello, not DICOM'), 'x', undefined, 'application/octet-stream'),
        status: 415,
      },
      {
        name: 'non-DICOM part',
        send: () => stow(multipartBody('g', [Buffer.from('garbage '.repeat(100))]), 'g'),
        status: 409,
        reasons: [0xc000],
      },
      {
        name: 'truncated instance',
        send: () => stow(multipartBody('t', [truncated]), 't'),
        status: 409,
        reasons: [0xc000],
      },
      {
        name: 'wrong boundary',
        send: () => stow(multipartBody('right', [good.bytes]), 'wrong'),
        status: 400,
      },
      {
        name: 'study URL does not match the instance',
        send: () => stow(multipartBody('m', [good.bytes]), 'm', other.studyUid),
        status: 409,
        reasons: [0x0110],
      },
      {
        name: 'unsupported SOP class',
        send: () =>
          stow(multipartBody('s', [makeInstance({ sopClassUid: '1.2.840.10008.1.3.10' }).bytes]), 's'),
        status: 409,
        reasons: [0x0122],
      },
      {
        name: 'unsupported transfer syntax',
        send: () => stow(multipartBody('x', [makeInstance({ ts: '1.2.840.10008.1.2.4.100' }).bytes]), 'x'),
        status: 409,
        reasons: [0xc122],
      },
      {
        name: 'oversize instance',
        send: () => stow(multipartBody('o', [makeInstance({ size: 512 }).bytes]), 'o'),
        status: 409,
        reasons: [0xa700],
      },
      {
        name: '../../x as the study in the URL',
        send: () => stow(multipartBody('u', [good.bytes]), 'u', '..%2F..%2Fx'),
        status: 400,
      },
      {
        name: '../../x as the SOP Instance UID',
        send: () => stow(multipartBody('v', [makeInstance({ sopInstanceUid: '../../x' }).bytes]), 'v'),
        status: 409,
        reasons: [0xc000],
      },
    ];
    const before = await counts();
    const tmpBefore = (await readdir(path.join(blobDir(), 'tmp'))).length;
    const seen: [string, number, number[]?][] = [];
    for (const c of cases) {
      const res = await c.send();
      const body = await res.text();
      seen.push(
        c.reasons
          ? [c.name, res.status, readStowReply(body).failed.map((f) => f.reason)]
          : [c.name, res.status],
      );
      await serving();
    }
    expect(seen).toEqual(cases.map((c) => (c.reasons ? [c.name, c.status, c.reasons] : [c.name, c.status])));
    expect(await counts()).toEqual(before);
    expect(await rowOf(good.sopInstanceUid)).toBeNull();
    expect((await readdir(path.join(blobDir(), 'tmp'))).length).toBe(tmpBefore);
    expect(gw.child.exitCode).toBeNull();
  });
});
