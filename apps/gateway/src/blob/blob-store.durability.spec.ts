import { createHash } from 'node:crypto';
import { promises as fsPromises } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { makeTempDir } from '../testing/temp-dir.util.js';
import { FREE_BYTES_TTL_MS, LocalBlobStore, SPILL_BYTES } from './blob-store.local.js';
import { FsyncPool, fsyncPool } from './fsync-pool.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const tick = () => new Promise((r) => setTimeout(r, 20));

function deferred() {
  let release!: () => void;
  const promise = new Promise<void>((r) => (release = r));
  return { promise, release };
}

describe('LocalBlobStore durability order (commit resolves only after fsync of file and directories)', () => {
  let tmp: Awaited<ReturnType<typeof makeTempDir>>;
  let store: LocalBlobStore;
  beforeAll(async () => {
    tmp = await makeTempDir('blobs-durable');
    store = new LocalBlobStore(tmp.dir);
    await store.start();
  });
  afterAll(() => tmp.remove());
  afterEach(() => vi.restoreAllMocks());

  it.each([
    ['in memory', Buffer.from('durable bytes')],
    ['spilled to the temp file', Buffer.alloc(SPILL_BYTES + 10_000, 0x5a)],
  ])(
    '%s: renames only after the file fsync, resolves commit only after every directory fsync',
    async (_n, bytes) => {
      const fileGate = deferred();
      const dirGate = deferred();
      const fileCalled = deferred();
      const dirsCalled = deferred();
      const events: string[] = [];
      const realFd = fsyncPool.syncFd.bind(fsyncPool);
      const realDir = fsyncPool.syncDir.bind(fsyncPool);
      vi.spyOn(fsyncPool, 'syncFd').mockImplementation(async (fd) => {
        events.push('fsync file');
        fileCalled.release();
        await fileGate.promise;
        await realFd(fd);
      });
      vi.spyOn(fsyncPool, 'syncDir').mockImplementation(async (dir) => {
        events.push(`fsync dir ${path.relative(tmp.dir, dir) || '.'}`);
        // A fresh store: the blob's directory and both new parents.
        if (events.length === 4) dirsCalled.release();
        await dirGate.promise;
        await realDir(dir);
      });
      const h = sha(bytes);
      const staged = await store.stage();
      await staged.write(bytes);
      let committed = false;
      const commit = staged.commit().then(() => (committed = true));
      await fileCalled.promise;
      await tick();
      expect(events).toEqual(['fsync file']);
      await expect(stat(store.pathOf(h))).rejects.toMatchObject({ code: 'ENOENT' });
      fileGate.release();
      await dirsCalled.promise;
      // Renamed now; its directory and the new parents are being synced: commit still pending.
      expect((await stat(store.pathOf(h))).size).toBe(bytes.length);
      expect(events.slice(1).sort()).toEqual(
        ['fsync dir .', `fsync dir ${h.slice(0, 2)}`, `fsync dir ${h.slice(0, 2)}/${h.slice(2, 4)}`].sort(),
      );
      await tick();
      expect(committed).toBe(false);
      dirGate.release();
      await commit;
      expect(committed).toBe(true);
    },
  );

  it('a failed fsync fails commit, and discard then removes the staged file', async () => {
    const eio = Object.assign(new Error('EIO'), { code: 'EIO' });
    vi.spyOn(fsyncPool, 'syncFd').mockRejectedValue(eio);
    const bytes = Buffer.from('never durable');
    const staged = await store.stage();
    await staged.write(bytes);
    await expect(staged.commit()).rejects.toMatchObject({ code: 'EIO' });
    await staged.discard();
    expect(await store.has(sha(bytes))).toBe(false);
    expect(await readdir(path.join(tmp.dir, 'tmp'))).toEqual([]);
  });

  it('spills an instance larger than the in-memory buffer to the temp file, same bytes and digest', async () => {
    const big = Buffer.alloc(SPILL_BYTES + 300_000);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7919) & 0xff;
    const staged = await store.stage();
    for (let off = 0; off < big.length; off += 65_536) {
      const chunk = Buffer.from(big.subarray(off, off + 65_536));
      await staged.write(chunk);
      chunk.fill(0); // the caller reuses its buffer: the store must have copied or written it
    }
    const ref = await staged.finish();
    expect(ref).toEqual({ sha256: sha(big), size: big.length });
    expect(Buffer.compare(await staged.read(), big)).toBe(0);
    await staged.commit();
    expect(Buffer.compare(await store.get(ref.sha256), big)).toBe(0);
  });

  it('keeps small instances in memory but still copies what the caller hands in', async () => {
    const staged = await store.stage();
    const chunk = Buffer.from('first part|');
    await staged.write(chunk);
    chunk.fill(0x2d);
    await staged.write(Buffer.from('second part'));
    const ref = await staged.finish();
    expect((await staged.read()).toString()).toBe('first part|second part');
    expect(ref.sha256).toBe(sha(Buffer.from('first part|second part')));
    await staged.commit();
    expect((await store.get(ref.sha256)).toString()).toBe('first part|second part');
  });

  it('reuses a recent statfs less the bytes installed since, then asks the filesystem again', async () => {
    const fresh = new LocalBlobStore(path.join(tmp.dir, 'free'));
    await fresh.start();
    let now = 1_000_000;
    vi.spyOn(performance, 'now').mockImplementation(() => now);
    const statfs = vi
      .spyOn(fsPromises, 'statfs')
      .mockResolvedValue({ bavail: 1000, bsize: 4096 } as Awaited<ReturnType<typeof fsPromises.statfs>>);
    expect(await fresh.freeBytes()).toBe(4_096_000);
    const ref = await fresh.put(Buffer.from('x'.repeat(5000)));
    expect(await fresh.freeBytes()).toBe(4_096_000 - ref.size);
    expect(statfs).toHaveBeenCalledTimes(1);
    now += FREE_BYTES_TTL_MS;
    expect(await fresh.freeBytes()).toBe(4_096_000);
    expect(statfs).toHaveBeenCalledTimes(2);
  });

  it('shares one statfs among concurrent freeBytes calls', async () => {
    const [a, b] = await Promise.all([store.freeBytes(), store.freeBytes()]);
    expect(a).toBe(b);
    expect(a).toBeGreaterThan(0);
  });
});

describe('FsyncPool', () => {
  it('fsyncs files and directories on worker threads and reports errors with their code', async () => {
    const pool = new FsyncPool(2);
    const tmp = await makeTempDir('fsync-pool');
    try {
      await Promise.all([pool.syncDir(tmp.dir), pool.syncDir(tmp.dir), pool.syncDir(tmp.dir)]);
      await expect(pool.syncDir(path.join(tmp.dir, 'missing'))).rejects.toMatchObject({ code: 'ENOENT' });
      await expect(pool.syncFd(987_654)).rejects.toMatchObject({ code: 'EBADF' });
    } finally {
      await pool.close();
      await tmp.remove();
    }
  });
});
