import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatewayRegistry } from '../plugins.js';
import { makeTempDir } from '../testing/temp-dir.util.js';
import { LocalBlobStore, STALE_TEMP_MS } from './blob-store.local.js';

const ctx = { log: () => undefined };
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('LocalBlobStore (plugin blob-store/local)', () => {
  let tmp: Awaited<ReturnType<typeof makeTempDir>>;
  let store: LocalBlobStore;
  beforeAll(async () => {
    tmp = await makeTempDir('blobs');
    store = await createGatewayRegistry().create<LocalBlobStore>(
      'blob-store',
      'local',
      { dir: tmp.dir },
      ctx,
    );
  });
  afterAll(() => tmp.remove());

  it('starts with tmp/, the 256 first-level directories 00..ff and LAYOUT, and starts again over them', async () => {
    const names = (await readdir(tmp.dir)).filter((n) => n !== 'LAYOUT' && n !== 'tmp').sort();
    expect(names).toHaveLength(256);
    expect([names[0], names[255]]).toEqual(['00', 'ff']);
    expect(await readdir(tmp.dir)).toEqual(expect.arrayContaining(['LAYOUT', 'tmp']));
    expect(await readFile(path.join(tmp.dir, 'LAYOUT'), 'utf8')).toBe('ab\n');
    expect(store.layout).toBe('ab');
    await store.start(); // existing directories are fine
    expect(await readdir(tmp.dir)).toHaveLength(258);
    expect(await readdir(path.join(tmp.dir, 'tmp'))).toEqual([]);
  });

  it('keeps ab/cd/<sha256> for a store written before LAYOUT, and refuses a LAYOUT it does not know', async () => {
    const dir = path.join(tmp.dir, 'legacy');
    const old = Buffer.from('stored by an earlier version');
    const h = sha(old);
    await mkdir(path.join(dir, h.slice(0, 2), h.slice(2, 4)), { recursive: true });
    await writeFile(path.join(dir, h.slice(0, 2), h.slice(2, 4), h), old);
    expect((await new LocalBlobStore(path.join(tmp.dir, 'none')).openForReading()).layout).toBe('ab');
    // A reader before any start: learns the layout from the files, writes nothing.
    expect((await new LocalBlobStore(dir).openForReading()).layout).toBe('ab/cd');
    await expect(readFile(path.join(dir, 'LAYOUT'))).rejects.toMatchObject({ code: 'ENOENT' });
    const legacy = new LocalBlobStore(dir);
    await legacy.start();
    expect([legacy.layout, await readFile(path.join(dir, 'LAYOUT'), 'utf8')]).toEqual(['ab/cd', 'ab/cd\n']);
    expect((await legacy.get(h)).toString()).toBe('stored by an earlier version');
    const ref = await legacy.put(Buffer.from('new bytes, old layout'));
    expect(legacy.pathOf(ref.sha256)).toBe(
      path.join(dir, ref.sha256.slice(0, 2), ref.sha256.slice(2, 4), ref.sha256),
    );
    expect((await readFile(legacy.pathOf(ref.sha256))).toString()).toBe('new bytes, old layout');
    const reader = await new LocalBlobStore(dir).openForReading();
    expect([reader.layout, (await reader.get(h)).length]).toEqual(['ab/cd', old.length]);
    const again = new LocalBlobStore(dir); // the LAYOUT file decides from now on
    await again.start();
    expect(again.layout).toBe('ab/cd');
    await writeFile(path.join(dir, 'LAYOUT'), 'sharded-by-date\n');
    await expect(new LocalBlobStore(dir).start()).rejects.toMatchObject({ code: 'BLOB.LAYOUT_UNKNOWN' });
  });

  it('removes temp files a dead process left, only once older than an hour, at start', async () => {
    const tmpDir = path.join(tmp.dir, 'tmp');
    const old = path.join(tmpDir, 'left-by-a-sigkill.part');
    const young = path.join(tmpDir, 'another-process-in-flight.part');
    const other = path.join(tmpDir, 'not-ours.txt');
    for (const f of [old, young, other]) await writeFile(f, 'partial');
    const hourAgo = (Date.now() - STALE_TEMP_MS - 1000) / 1000;
    await utimes(old, hourAgo, hourAgo);
    await utimes(other, hourAgo, hourAgo);
    await store.start();
    expect((await readdir(tmpDir)).sort()).toEqual(['another-process-in-flight.part', 'not-ours.txt']);
    // An hour later the young one is stale too.
    expect(await store.removeStaleTemps(Date.now() + STALE_TEMP_MS + 1000)).toBe(1);
    await rm(other);
    expect(await readdir(tmpDir)).toEqual([]);
  });

  it('puts content-addressed under ab/<sha256> and reads it back', async () => {
    const bytes = Buffer.from('hello blob');
    const ref = await store.put(bytes);
    expect(ref).toEqual({ sha256: sha(bytes), size: 10 });
    const file = path.join(tmp.dir, ref.sha256.slice(0, 2), ref.sha256);
    expect(await readFile(file, 'utf8')).toBe('hello blob');
    expect(await store.has(ref.sha256)).toBe(true);
    expect(await store.stat(ref.sha256)).toEqual(ref);
    expect((await store.get(ref.sha256)).toString()).toBe('hello blob');
    expect(await readdir(path.join(tmp.dir, 'tmp'))).toEqual([]);
  });

  it('stages in chunks, discards cleanly and commits the same content twice as one blob', async () => {
    const a = await store.stage();
    await a.write(Buffer.from('abc'));
    await a.write(Buffer.from('def'));
    expect(a.size).toBe(6);
    await expect(a.read()).rejects.toMatchObject({ code: 'BLOB.STAGE_OPEN' });
    await a.finish();
    expect((await a.read()).toString()).toBe('abcdef');
    await expect(a.write(Buffer.from('g'))).rejects.toMatchObject({ code: 'BLOB.STAGE_CLOSED' });
    const ref = await a.commit();
    expect(ref.sha256).toBe(sha(Buffer.from('abcdef')));
    expect(await a.commit()).toBe(ref); // once
    const b = await store.stage();
    await b.write(Buffer.from('abcdef'));
    await b.commit();
    const c = await store.stage();
    await c.write(Buffer.from('never stored'));
    await c.discard();
    await c.discard();
    expect(await readdir(path.join(tmp.dir, 'tmp'))).toEqual([]);
    expect((await stat(store.pathOf(ref.sha256))).size).toBe(6);
    expect(await store.has(sha(Buffer.from('never stored')))).toBe(false);
  });

  it('refuses keys that are not sha256 hex (no path from received strings)', async () => {
    await expect(store.has('../../etc/passwd')).rejects.toMatchObject({ code: 'BLOB.INVALID_KEY' });
    await expect(store.get('A'.repeat(64))).rejects.toMatchObject({ code: 'BLOB.INVALID_KEY' });
    await expect(store.get('0'.repeat(64))).rejects.toMatchObject({ code: 'BLOB.NOT_FOUND' });
  });

  it('reports free bytes and rejects an invalid config with CONFIG.INVALID', async () => {
    expect(await store.freeBytes()).toBeGreaterThan(0);
    for (const bad of [{}, { dir: tmp.dir, directWrites: 1 }]) {
      await expect(createGatewayRegistry().create('blob-store', 'local', bad, ctx)).rejects.toMatchObject({
        code: 'CONFIG.INVALID',
      });
    }
  });

  it('writes with O_DIRECT by default, buffered with directWrites: false, the same bytes either way', async () => {
    const buffered = await createGatewayRegistry().create<LocalBlobStore>(
      'blob-store',
      'local',
      { dir: tmp.dir, directWrites: false },
      ctx,
    );
    expect([store.directWrites, buffered.directWrites]).toEqual([true, false]);
    for (const s of [store, buffered]) {
      const bytes = Buffer.alloc(5000 + Number(s.directWrites), 0xa5);
      const ref = await s.put(bytes);
      expect(await s.get(ref.sha256)).toEqual(bytes);
    }
  });
});
