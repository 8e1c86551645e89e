import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs, { promises as fsPromises } from 'node:fs';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { deferred } from '../testing/deferred.util.js';
import { makeTempDir } from '../testing/temp-dir.util.js';
import { FREE_BYTES_TTL_MS, LocalBlobStore, SPILL_BYTES } from './blob-store.local.js';
import {
  alignedCopy,
  contentPath,
  DIRECT_ALIGN,
  DIRECT_MAX_BYTES,
  directoriesToSync,
  FileWorkerPool,
  fileWorkers,
  writeDurable,
  type DurableFs,
} from './file-workers.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const tick = () => new Promise((r) => setTimeout(r, 20));

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

  it('in memory: one file-worker step (write, fsync, rename, directory fsyncs) before commit resolves', async () => {
    const gate = deferred();
    const called = deferred();
    const realPut = fileWorkers.put.bind(fileWorkers);
    const put = vi.spyOn(fileWorkers, 'put').mockImplementation(async (...args) => {
      called.release();
      await gate.promise;
      return realPut(...args);
    });
    const install = vi.spyOn(fileWorkers, 'install');
    const syncFd = vi.spyOn(fileWorkers, 'syncFd');
    const bytes = Buffer.from('durable bytes');
    const h = sha(bytes);
    const staged = await store.stage();
    await staged.write(bytes);
    await staged.finish();
    expect(put).not.toHaveBeenCalled(); // nothing touches the disk before commit
    let committed = false;
    const commit = staged.commit().then(() => (committed = true));
    await called.promise;
    expect(put.mock.calls[0][2]).toBe(tmp.dir); // the worker hashes: the target is its to derive
    await tick();
    expect(committed).toBe(false);
    await expect(stat(store.pathOf(h))).rejects.toMatchObject({ code: 'ENOENT' });
    gate.release();
    await commit;
    expect(await staged.commit()).toEqual({ sha256: h, size: bytes.length });
    expect((await stat(store.pathOf(h))).size).toBe(bytes.length);
    expect(install).not.toHaveBeenCalled();
    expect(syncFd).not.toHaveBeenCalled();
    expect(await readdir(path.join(tmp.dir, 'tmp'))).toEqual([]);
  });

  it('warns once when the filesystem refuses O_DIRECT (puts still succeed, buffered)', async () => {
    const realPut = fileWorkers.put.bind(fileWorkers);
    vi.spyOn(fileWorkers, 'put').mockImplementation(async (...args) => ({
      ...(await realPut(...args)),
      direct: false, // as the workers report it when the filesystem refused
    }));
    const log = vi.fn();
    const refusing = new LocalBlobStore(path.join(tmp.dir, 'refusing'), true, log);
    await refusing.start();
    for (const text of ['one', 'two']) {
      const ref = await refusing.put(Buffer.from(text));
      expect((await refusing.get(ref.sha256)).toString()).toBe(text);
    }
    expect(log.mock.calls).toEqual([
      ['warn', expect.stringContaining('refused O_DIRECT'), { dir: path.join(tmp.dir, 'refusing') }],
    ]);
  });

  it('spilled to the temp file: installs only after its fsync, commit resolves only after the install', async () => {
    const fileGate = deferred();
    const installGate = deferred();
    const fileCalled = deferred();
    const installCalled = deferred();
    const events: string[] = [];
    const realFd = fileWorkers.syncFd.bind(fileWorkers);
    const realInstall = fileWorkers.install.bind(fileWorkers);
    vi.spyOn(fileWorkers, 'syncFd').mockImplementation(async (fd) => {
      events.push('fsync file');
      fileCalled.release();
      await fileGate.promise;
      await realFd(fd);
    });
    vi.spyOn(fileWorkers, 'install').mockImplementation(async (t, target, root) => {
      events.push(`install ${path.relative(tmp.dir, target)}`);
      installCalled.release();
      await installGate.promise;
      await realInstall(t, target, root);
    });
    const bytes = Buffer.alloc(SPILL_BYTES + 10_000, 0x5a);
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
    await installCalled.promise;
    expect(events).toEqual(['fsync file', `install ${h.slice(0, 2)}/${h}`]);
    await tick();
    expect(committed).toBe(false);
    installGate.release();
    await commit;
    expect(committed).toBe(true);
    expect((await stat(store.pathOf(h))).size).toBe(bytes.length);
    expect(await readdir(path.join(tmp.dir, 'tmp'))).toEqual([]);
  });

  it('a failed fsync fails commit, and discard then removes the staged file', async () => {
    const eio = Object.assign(new Error('EIO'), { code: 'EIO' });
    vi.spyOn(fileWorkers, 'put').mockRejectedValue(eio);
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
    await staged.finish();
    expect(Buffer.compare(await staged.read(), big)).toBe(0);
    const ref = await staged.commit();
    expect(ref).toEqual({ sha256: sha(big), size: big.length });
    expect(Buffer.compare(await store.get(ref.sha256), big)).toBe(0);
  });

  it('keeps small instances in memory but still copies what the caller hands in', async () => {
    const staged = await store.stage();
    const chunk = Buffer.from('first part|');
    await staged.write(chunk);
    chunk.fill(0x2d);
    await staged.write(Buffer.from('second part'));
    await staged.finish();
    expect((await staged.read()).toString()).toBe('first part|second part');
    const ref = await staged.commit();
    expect(ref.sha256).toBe(sha(Buffer.from('first part|second part')));
    expect((await store.get(ref.sha256)).toString()).toBe('first part|second part');
  });

  it('reuses its in-memory buffer for the next blob only after the commit, which keeps its bytes', async () => {
    const first = Buffer.alloc(300_000, 0x11);
    const a = await store.stage(first.length);
    const before = store.buffers.retainedBytes;
    await a.write(first);
    await a.commit();
    expect(store.buffers.retainedBytes).toBe(before + 512 * 1024); // back in the pool
    const second = Buffer.alloc(300_000, 0x22);
    const b = await store.stage(second.length);
    expect(store.buffers.retainedBytes).toBe(before); // taken again
    await b.write(second); // overwrites the memory the first blob was written from
    await b.commit();
    expect(Buffer.compare(await store.get(sha(first)), first)).toBe(0);
    expect(Buffer.compare(await store.get(sha(second)), second)).toBe(0);
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

describe('directoriesToSync (what an install fsyncs)', () => {
  it.each([
    ['nothing new: the directory the file was renamed into', undefined, ['/r/ab/cd']],
    ['a new ab/cd under an existing ab: and ab, not the root', '/r/ab/cd', ['/r/ab/cd', '/r/ab']],
    ['new ab and ab/cd: up to the root', '/r/ab', ['/r/ab/cd', '/r/ab', '/r']],
    ['the root made too: never above the root', '/r', ['/r/ab/cd', '/r/ab', '/r']],
  ])('%s', (_, created, want) => {
    expect(directoriesToSync('/r/ab/cd', created, '/r', path.posix.dirname)).toEqual(want);
  });
});

describe('FileWorkerPool (file steps on worker threads)', () => {
  it('never keeps a process alive once its jobs are done', () => {
    const child = path.join(import.meta.dirname, '../testing/file-workers-exit.child.ts');
    const r = spawnSync(process.execPath, ['--import', 'tsx', child], { encoding: 'utf8', timeout: 60_000 });
    expect([r.status, r.signal, r.stdout.trim()], r.stderr).toEqual([0, null, 'synced']);
  });

  it('puts durably into new ab/cd directories, never overwrites a staged file, reports errors with their code', async () => {
    const pool = new FileWorkerPool(2);
    const tmp = await makeTempDir('file-workers');
    try {
      const root = path.join(tmp.dir, 'root');
      const h = sha(Buffer.from('2345'));
      const target = contentPath(root, h, path.join, 'ab/cd');
      const staged = path.join(tmp.dir, 'staging', 'a.part'); // staging dir made on demand
      // The buffer is transferred (the caller's view is detached) and comes back with the digest.
      const bytes = new Uint8Array(new ArrayBuffer(16));
      bytes.set(Buffer.from('0123456789'));
      const put = await pool.put(staged, bytes.subarray(2, 6), root, 'ab/cd');
      expect(put.sha256).toBe(h);
      expect([bytes.byteLength, put.buffer?.byteLength]).toEqual([0, 16]);
      expect(Buffer.from(put.buffer!).subarray(0, 10).toString()).toBe('0123456789');
      expect(await readFile(target, 'utf8')).toBe('2345');
      await expect(stat(staged)).rejects.toMatchObject({ code: 'ENOENT' });
      // The same content again replaces the entry atomically.
      expect((await pool.put(staged, Buffer.from('2345'), root, 'ab/cd')).sha256).toBe(h);
      expect(await readFile(target, 'utf8')).toBe('2345');
      // A staged name already taken is never overwritten, and nothing is installed.
      await writeFile(staged, 'other');
      const target2 = contentPath(root, sha(Buffer.from('x')), path.join, 'ab/cd');
      await expect(pool.put(staged, Buffer.from('x'), root, 'ab/cd')).rejects.toMatchObject({
        code: 'EEXIST',
      });
      expect(await readFile(staged, 'utf8')).toBe('other');
      await expect(stat(target2)).rejects.toMatchObject({ code: 'ENOENT' });
      // install: a spilled temp file into place; gone afterwards, so a second install fails.
      await pool.install(staged, target2, root);
      expect(await readFile(target2, 'utf8')).toBe('other');
      await expect(pool.install(staged, target2, root)).rejects.toMatchObject({ code: 'ENOENT' });
      await Promise.all([pool.syncDir(tmp.dir), pool.syncDir(root), pool.syncDir(path.dirname(target))]);
      await expect(pool.syncDir(path.join(tmp.dir, 'missing'))).rejects.toMatchObject({ code: 'ENOENT' });
      await expect(pool.syncFd(987_654)).rejects.toMatchObject({ code: 'EBADF' });
    } finally {
      await pool.close();
      await tmp.remove();
    }
  });
});

describe('writeDurable (O_DIRECT from an aligned copy, buffered where refused)', () => {
  let tmp: Awaited<ReturnType<typeof makeTempDir>>;
  beforeAll(async () => {
    tmp = await makeTempDir('write-durable');
  });
  afterAll(() => tmp.remove());

  /** `bytes` zero-padded to DIRECT_ALIGN in a page-aligned buffer, as the file workers make it. */
  const aligned = (bytes: Uint8Array) => alignedCopy(bytes, null, DIRECT_ALIGN, DIRECT_MAX_BYTES).view;
  /** node:fs, with `fail` deciding which calls throw (errno code) instead. */
  const failing = (fail: (call: string, args: unknown[]) => string | undefined): DurableFs => {
    const wrap =
      <A extends unknown[], R>(name: string, f: (...a: A) => R) =>
      (...args: A): R => {
        const code = fail(name, args);
        if (code) throw Object.assign(new Error(`${name}: ${code}`), { code });
        return f(...args);
      };
    return {
      constants: fs.constants,
      openSync: (file, flags, mode) => {
        const fd = fs.openSync(file, flags, mode); // Linux too creates the file, then refuses the flag
        const code = fail('open', [file, flags]);
        if (!code) return fd;
        fs.closeSync(fd);
        throw Object.assign(new Error(`open: ${code}`), { code });
      },
      writeSync: wrap('write', (fd: number, b: Uint8Array, off: number, len: number) =>
        fs.writeSync(fd, b, off, len),
      ),
      ftruncateSync: wrap('ftruncate', (fd: number, len: number) => fs.ftruncateSync(fd, len)),
      fsyncSync: wrap('fsync', (fd: number) => fs.fsyncSync(fd)),
      closeSync: (fd) => fs.closeSync(fd),
      rmSync: (file, o) => fs.rmSync(file, o),
      mkdirSync: (dir, o) => fs.mkdirSync(dir, o),
    };
  };
  const isDirect = (flags: unknown) => typeof flags === 'number' && (flags & fs.constants.O_DIRECT) !== 0;
  const noisy = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7919 + (i >> 8)) & 0xff);

  it('writes every size exactly with O_DIRECT (padding truncated away), and the same bytes buffered', () => {
    for (const n of [1, 511, 512, DIRECT_ALIGN - 1, DIRECT_ALIGN, DIRECT_ALIGN + 1, 307_880]) {
      const bytes = noisy(n);
      const a = path.join(tmp.dir, `direct-${n}`);
      const b = path.join(tmp.dir, 'staging', `buffered-${n}`); // directory made on demand
      expect(writeDurable(fs, a, bytes, aligned(bytes), path.dirname), `${n} bytes`).toBe(true);
      expect(writeDurable(fs, b, bytes, undefined, path.dirname)).toBe(false);
      for (const f of [a, b]) {
        const back = fs.readFileSync(f);
        expect([back.length, sha(back)], f).toEqual([n, sha(bytes)]);
      }
    }
    // O_EXCL either way: an existing file is never overwritten.
    const taken = path.join(tmp.dir, 'direct-1');
    expect(() => writeDurable(fs, taken, noisy(3), aligned(noisy(3)), path.dirname)).toThrow(
      expect.objectContaining({ code: 'EEXIST' }),
    );
    expect(fs.readFileSync(taken)).toEqual(Buffer.from(noisy(1)));
  });

  it('copies into one growing aligned buffer, zero-padded past the bytes whatever it held before', () => {
    const big = alignedCopy(new Uint8Array(70_000).fill(0xff), null, DIRECT_ALIGN, DIRECT_MAX_BYTES);
    expect(big.view.byteLength).toBe(18 * DIRECT_ALIGN);
    const small = alignedCopy(Uint8Array.of(1, 2, 3, 4, 5), big.scratch, DIRECT_ALIGN, DIRECT_MAX_BYTES);
    expect(small.scratch).toBe(big.scratch);
    expect(small.view.byteLength).toBe(DIRECT_ALIGN);
    expect([...small.view.subarray(0, 6)]).toEqual([1, 2, 3, 4, 5, 0]);
    expect(small.view.subarray(5).every((b) => b === 0)).toBe(true);
    const grown = alignedCopy(new Uint8Array(200_000).fill(7), small.scratch, DIRECT_ALIGN, DIRECT_MAX_BYTES);
    expect([grown.scratch.buffer.byteLength >= 200_000, grown.view[199_999], grown.view[200_000]]).toEqual([
      true,
      7,
      0,
    ]);
  });

  it('falls back to a buffered write when the filesystem refuses O_DIRECT at open or at write', () => {
    const bytes = noisy(10_000);
    const atOpen = path.join(tmp.dir, 'refused-open');
    const io1 = failing((call, args) => (call === 'open' && isDirect(args[1]) ? 'EINVAL' : undefined));
    expect(writeDurable(io1, atOpen, bytes, aligned(bytes), path.dirname)).toBe(false);
    expect(sha(fs.readFileSync(atOpen))).toBe(sha(bytes));

    const atWrite = path.join(tmp.dir, 'refused-write');
    let opens = 0;
    const io2 = failing((call) => {
      if (call === 'open') opens++;
      return call === 'write' && opens === 1 ? 'EINVAL' : undefined; // the O_DIRECT fd's writes
    });
    expect(writeDurable(io2, atWrite, bytes, aligned(bytes), path.dirname)).toBe(false);
    expect([opens, sha(fs.readFileSync(atWrite))]).toEqual([2, sha(bytes)]);
  });

  it('removes the file and reports the error when a write or the fsync fails (no partial file)', () => {
    const bytes = noisy(5000);
    for (const [call, code] of [
      ['write', 'ENOSPC'],
      ['ftruncate', 'EIO'],
      ['fsync', 'EIO'],
    ] as const) {
      for (const copy of [aligned(bytes), undefined]) {
        if (call === 'ftruncate' && !copy) continue; // only O_DIRECT writes truncate
        const file = path.join(tmp.dir, `failed-${call}-${copy ? 'direct' : 'buffered'}`);
        const io = failing((c) => (c === call ? code : undefined));
        expect(() => writeDurable(io, file, bytes, copy, path.dirname), file).toThrow(
          expect.objectContaining({ code }),
        );
        expect(fs.existsSync(file), file).toBe(false);
      }
    }
  });

  it('the file workers write with O_DIRECT unless told not to, and store the same bytes either way', async () => {
    const pool = new FileWorkerPool(1);
    const t = await makeTempDir('file-workers-direct');
    try {
      const root = path.join(t.dir, 'root');
      for (const direct of [true, false]) {
        const bytes = noisy(307_880 + (direct ? 1 : 2));
        const h = sha(bytes);
        const put = await pool.put(
          path.join(t.dir, 'tmp', `${direct}.part`),
          bytes.slice(),
          root,
          'ab',
          direct,
        );
        expect([put.sha256, put.direct]).toEqual([h, direct]);
        expect(sha(await readFile(contentPath(root, h, path.join, 'ab')))).toBe(h);
      }
      expect(await readdir(path.join(t.dir, 'tmp'))).toEqual([]);
    } finally {
      await pool.close();
      await t.remove();
    }
  });
});
