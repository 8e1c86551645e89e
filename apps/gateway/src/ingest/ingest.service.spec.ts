import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openDatabase, type Database } from '@ropline/db';
import type { LocalBlobStore } from '../blob/blob-store.local.js';
import type { StagedBlob } from '../blob/blob-store.port.js';
import { createGatewayRegistry } from '../plugins.js';
import { deferred } from '../testing/deferred.util.js';
import { makeTempDir } from '../testing/temp-dir.util.js';
import { makeInstance } from '../testing/stow.fixtures.js';
import { IngestService, type OnStored, type RoutingRow } from './ingest.service.js';
import { validateInstance } from './instance.validator.js';

const ctx = { log: () => undefined };

/** `real` with its commit() replaced (to gate it or make it fail). */
function withCommit(real: StagedBlob, commit: StagedBlob['commit']): StagedBlob {
  return {
    get size() {
      return real.size;
    },
    write: (c) => real.write(c),
    finish: () => real.finish(),
    read: () => real.read(),
    discard: () => real.discard(),
    commit,
  };
}
const tick = () => new Promise((r) => setTimeout(r, 30));
describe('IngestService (embedded Postgres, raw-SQL ingest path)', () => {
  let tmp: Awaited<ReturnType<typeof makeTempDir>>;
  let db: Database;
  let blobs: LocalBlobStore;
  let ingest: IngestService;
  const routed: string[] = [];
  beforeAll(async () => {
    tmp = await makeTempDir('ingest');
    blobs = await createGatewayRegistry().create<LocalBlobStore>(
      'blob-store',
      'local',
      { dir: path.join(tmp.dir, 'blobs') },
      ctx,
    );
    db = await openDatabase({ dataDir: tmp.dir }, ctx);
    ingest = new IngestService(db, blobs, 'reject', ctx, async ({ facts }, outcome) => {
      routed.push(`${facts.sopInstanceUid}:${outcome}`);
    });
  });
  afterAll(async () => {
    await db?.close();
    await tmp?.remove();
  });

  const stage = async (bytes: Uint8Array) => {
    const staged = await blobs.stage();
    await staged.write(bytes);
    return staged;
  };
  const rowOf = (uid: string) => db.prisma.instance.findUnique({ where: { sopInstanceUid: uid } });

  it('writes the rows only after the blob commit (fsync) resolved, and returns only after both', async () => {
    const a = makeInstance();
    const real = await stage(a.bytes);
    const gate = deferred();
    let commitDone = false;
    const gated = withCommit(real, async () => {
      await gate.promise;
      const ref = await real.commit();
      commitDone = true;
      return ref;
    });
    let outcome: string | null = null;
    const store = ingest
      .store(gated, validateInstance(a.bytes), { source: 'stow', remote: '127.0.0.1' })
      .then((o) => (outcome = o));
    await tick();
    expect(await rowOf(a.sopInstanceUid)).toBeNull();
    expect(await blobs.has(a.sha256)).toBe(false);
    expect(outcome).toBeNull();
    gate.release();
    await store;
    expect(commitDone).toBe(true);
    expect(outcome).toBe('stored');
    expect(await blobs.has(a.sha256)).toBe(true);
    const row = await db.prisma.instance.findUnique({
      where: { sopInstanceUid: a.sopInstanceUid },
      include: { series: { include: { study: true } } },
    });
    expect(row).toMatchObject({
      blobSha256: a.sha256,
      byteSize: BigInt(a.bytes.length),
      source: 'stow',
      remote: '127.0.0.1',
      frames: 1,
    });
    expect(row?.series.seriesInstanceUid).toBe(a.seriesUid);
    expect(row?.series.study.studyInstanceUid).toBe(a.studyUid);
    expect(routed).toContain(`${a.sopInstanceUid}:stored`);
  });

  it('a failed blob commit writes no row', async () => {
    const a = makeInstance();
    const real = await stage(a.bytes);
    const failing = withCommit(real, async () => {
      throw Object.assign(new Error('disk gone'), { code: 'EIO' });
    });
    await expect(ingest.store(failing, validateInstance(a.bytes), { source: 'stow' })).rejects.toMatchObject({
      code: 'EIO',
    });
    await real.discard();
    expect(await rowOf(a.sopInstanceUid)).toBeNull();
  });

  it('concurrent senders of one study: one study, one series, every instance stored once', async () => {
    const first = makeInstance();
    const siblings = [first, ...Array.from({ length: 7 }, () => makeInstance({ studyUid: first.studyUid }))];
    const outcomes = await Promise.all(
      siblings.map(async (i) =>
        ingest.store(await stage(i.bytes), validateInstance(i.bytes), { source: 'dimse' }),
      ),
    );
    expect(outcomes).toEqual(siblings.map(() => 'stored'));
    const study = await db.prisma.study.findUnique({
      where: { studyInstanceUid: first.studyUid },
      include: { series: { include: { instances: true } } },
    });
    expect(study?.series).toHaveLength(1);
    expect(study?.series[0].instances).toHaveLength(siblings.length);
  });

  it('group commit: rows of concurrent stores in one statement, each with its own decision', async () => {
    const decide = (uid: string): RoutingRow =>
      uid.endsWith('3')
        ? { action: 'forward', rule: 'fw', pipeline: null, destination: 'archive' }
        : { action: 'analyze', rule: 'op', pipeline: 'hybrid', destination: null };
    const hook: OnStored = Object.assign(async () => undefined, {
      route: (facts: { sopInstanceUid: string }) => decide(facts.sopInstanceUid),
    });
    const batched = new IngestService(db, blobs, 'reject', ctx, hook);
    // Hold the first statement so that everything else queues behind it and goes out together.
    const pool = db.sql();
    const realQuery = pool.query.bind(pool) as (...a: unknown[]) => Promise<unknown>;
    const sizes: number[] = [];
    const forms: string[] = [];
    const gate = deferred();
    const spy = vi.spyOn(pool, 'query').mockImplementation((async (q: {
      name?: string;
      values?: unknown[];
    }) => {
      // A lone row goes as scalars (ingest_insert_instance), a batch as one array per column.
      if (q?.name === 'ingest_insert_instance' || q?.name === 'ingest_insert_instances') {
        forms.push(q.name);
        sizes.push(q.name === 'ingest_insert_instance' ? 1 : (q.values![0] as unknown[]).length);
        if (sizes.length <= 2) await gate.promise; // both slots
      }
      return realQuery(q);
    }) as never);
    try {
      const s1 = makeInstance();
      const s2 = makeInstance();
      const twice = makeInstance({ studyUid: s2.studyUid });
      const all = [
        s1,
        s2,
        twice,
        twice,
        ...[1, 2, 3, 4].map((k) => makeInstance({ studyUid: k % 2 ? s1.studyUid : s2.studyUid })),
      ];
      const pending = all.map(async (i) =>
        batched.store(await stage(i.bytes), validateInstance(i.bytes), { source: 'stow' }),
      );
      while (sizes.length < 2 || batched.inserts.queued < all.length - 2) await tick();
      gate.release();
      const outcomes = await Promise.all(pending);
      expect(sizes).toEqual([1, 1, all.length - 2]); // the rest in one statement
      expect(forms).toEqual(['ingest_insert_instance', 'ingest_insert_instance', 'ingest_insert_instances']);
      expect(outcomes.filter((o) => o === 'stored')).toHaveLength(all.length - 1);
      expect(outcomes.filter((o) => o === 'already-stored')).toHaveLength(1);
      for (const i of new Set(all)) {
        const row = await db.prisma.instance.findUnique({
          where: { sopInstanceUid: i.sopInstanceUid },
          include: { routing: true, series: { include: { study: true } } },
        });
        expect(row?.blobSha256).toBe(i.sha256);
        expect(row?.series.study.studyInstanceUid).toBe(i.studyUid);
        expect(row?.routing).toMatchObject(decide(i.sopInstanceUid));
        const queued = await db.prisma.outboxItem.count({ where: { sopInstanceUid: i.sopInstanceUid } });
        expect(queued).toBe(decide(i.sopInstanceUid).action === 'forward' ? 1 : 0);
      }
      for (const study of [s1.studyUid, s2.studyUid]) {
        const st = await db.prisma.study.findUnique({
          where: { studyInstanceUid: study },
          include: { series: true },
        });
        expect(st?.series).toHaveLength(1);
      }
    } finally {
      spy.mockRestore();
    }
  });

  it('the same instance sent twice at once: one row, one stored, one already-stored', async () => {
    const a = makeInstance();
    const outcomes = await Promise.all(
      [0, 1].map(async () =>
        ingest.store(await stage(a.bytes), validateInstance(a.bytes), { source: 'stow' }),
      ),
    );
    expect(outcomes.sort()).toEqual(['already-stored', 'stored']);
    expect(await db.prisma.instance.count({ where: { sopInstanceUid: a.sopInstanceUid } })).toBe(1);
  });

  it('same UID with other bytes at once (policy reject): one stored, one DUPLICATE_SOP_INSTANCE', async () => {
    const a = makeInstance({ fill: 1 });
    const b = makeInstance({ sopInstanceUid: a.sopInstanceUid, studyUid: a.studyUid, fill: 2 });
    const results = await Promise.allSettled(
      [a, b].map(async (i) =>
        ingest.store(await stage(i.bytes), validateInstance(i.bytes), { source: 'stow' }),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled').map((r) => r.value)).toEqual(['stored']);
    const rejected = results.find((r) => r.status === 'rejected');
    expect((rejected as PromiseRejectedResult).reason).toMatchObject({
      code: 'INGEST.DUPLICATE_SOP_INSTANCE',
    });
    expect(await db.prisma.instance.count({ where: { sopInstanceUid: a.sopInstanceUid } })).toBe(1);
    // The refused bytes were written before the conflict showed, and removed again; the kept ones stay.
    const row = await rowOf(a.sopInstanceUid);
    const [kept, refused] = row?.blobSha256 === a.sha256 ? [a, b] : [b, a];
    expect(await blobs.has(kept.sha256)).toBe(true);
    expect(await blobs.has(refused.sha256)).toBe(false);
  });

  it('writes the routing decision of a new instance in the same statement as its rows', async () => {
    const seen: (RoutingRow | undefined)[] = [];
    const hook: OnStored = Object.assign(
      async ({ routed }: { routed?: RoutingRow }) => {
        seen.push(routed);
      },
      {
        route: (): RoutingRow => ({
          action: 'analyze',
          rule: 'op-images',
          pipeline: 'hybrid',
          destination: null,
        }),
      },
    );
    const routing = new IngestService(db, blobs, 'reject', ctx, hook);
    const a = makeInstance();
    expect(await routing.store(await stage(a.bytes), validateInstance(a.bytes), { source: 'stow' })).toBe(
      'stored',
    );
    const row = await db.prisma.instance.findUnique({
      where: { sopInstanceUid: a.sopInstanceUid },
      include: { routing: true },
    });
    expect(row?.routing).toMatchObject({
      action: 'analyze',
      rule: 'op-images',
      pipeline: 'hybrid',
      destination: null,
    });
    expect(seen).toEqual([{ action: 'analyze', rule: 'op-images', pipeline: 'hybrid', destination: null }]);
    // Same bytes again: no new decision from the insert path (the hook decides what to do).
    expect(await routing.store(await stage(a.bytes), validateInstance(a.bytes), { source: 'stow' })).toBe(
      'already-stored',
    );
    expect(seen[1]).toBeUndefined();
  });
});
