import { createHash, randomUUID, type Hash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { RopError, type PluginContext, type PluginManifest } from '@ropline/core';
import type { BlobRef, BlobStore, StagedBlob } from './blob-store.port.js';
import { contentPath, fileWorkers, type BlobLayout } from './file-workers.js';
import { StagingBuffers } from './staging-buffers.js';

const SHA256_HEX = /^[0-9a-f]{64}$/;

export const localBlobStoreConfigSchema = z
  .object({
    /** Root directory; blobs live at `<dir>/ab/<sha256>` (LAYOUT), staging under `<dir>/tmp`. */
    dir: z.string().min(1),
    /** In-memory blobs written with O_DIRECT where the filesystem takes it (file-workers.ts). */
    directWrites: z.boolean().default(true),
  })
  .strict();
export type LocalBlobStoreConfig = z.output<typeof localBlobStoreConfigSchema>;

function checkKey(sha256: string): string {
  if (!SHA256_HEX.test(sha256)) {
    throw new RopError('BLOB.INVALID_KEY', 'A blob key must be 64 lower-case hex characters (sha256)');
  }
  return sha256;
}

/** Staged bytes kept in memory before spilling to the temp file (per staged blob). */
export const SPILL_BYTES = 2 * 1024 * 1024;
/** In-memory buffer when no size hint is given (one doubling for a typical ~300 KB instance). */
const INITIAL_BUFFER_BYTES = 256 * 1024;
/** Free staging buffers kept for reuse (e.g. 64 concurrent ~300 KB instances). */
const RETAINED_BUFFER_BYTES = 32 * 1024 * 1024;

async function writeAll(h: fs.FileHandle, bytes: Uint8Array): Promise<void> {
  let off = 0;
  while (off < bytes.byteLength) {
    const { bytesWritten } = await h.write(bytes, off, bytes.byteLength - off);
    off += bytesWritten;
  }
}

/** The store root's file naming its layout (`ab` or `ab/cd`, file-workers.ts: BlobLayout). */
export const LAYOUT_FILE = 'LAYOUT';
const LAYOUTS: readonly BlobLayout[] = ['ab', 'ab/cd'];
const FIRST_LEVEL = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
/** A temp file untouched this long belongs to no put in flight (removeStaleTemps). */
export const STALE_TEMP_MS = 60 * 60 * 1000;

/** How long a statfs(2) result answers freeBytes() (less the bytes installed since). */
export const FREE_BYTES_TTL_MS = 250;

/**
 * Local filesystem blob store. Durable put: temp file in `<dir>/tmp` (same filesystem; written
 * with O_DIRECT when the blob is in memory and `directWrites`), fsync, rename into `ab/<sha256>`,
 * fsync the directory. Paths come only from the digest this store computed.
 */
export class LocalBlobStore implements BlobStore {
  private readonly tmpDir: string;
  private statfsInFlight: Promise<number> | null = null;
  private statfsLast: { at: number; free: number; installedThen: number } | null = null;
  /** Whether directRefused() has warned already. */
  private warnedBuffered = false;
  /** Bytes renamed into place so far (freeBytes subtracts what came after its statfs). */
  private installedBytes = 0;
  /** Read from (or, for a store without one, written to) LAYOUT_FILE by start(). */
  private layoutOf: BlobLayout = 'ab';
  /** In-memory staging, reused across blobs (staging-buffers.ts: why). */
  readonly buffers = new StagingBuffers(SPILL_BYTES, RETAINED_BUFFER_BYTES);

  constructor(
    readonly root: string,
    /** Write in-memory blobs with O_DIRECT (writeDurable in file-workers.ts: why). */
    readonly directWrites = true,
    private readonly log?: PluginContext['log'],
  ) {
    this.tmpDir = path.join(root, 'tmp');
  }

  get layout(): BlobLayout {
    return this.layoutOf;
  }

  /**
   * Makes `tmp/` and the 256 first-level directories (`00`..`ff`), settles the layout (LAYOUT_FILE)
   * and fsyncs the root if anything in it was new: a put then never makes a directory.
   */
  async start(): Promise<void> {
    await fs.mkdir(this.tmpDir, { recursive: true });
    await this.removeStaleTemps();
    const present = new Set(await fs.readdir(this.root));
    const missing = FIRST_LEVEL.filter((n) => !present.has(n));
    const { layout, recorded } = await this.findLayout(present);
    this.layoutOf = layout;
    if (missing.length === 0 && recorded) return; // an existing store: two reads, no write
    await Promise.all(missing.map((n) => fs.mkdir(path.join(this.root, n), { recursive: true })));
    if (!recorded) {
      // Written whole or not at all (temp + rename); the root's fsync below makes it durable.
      const tmp = path.join(this.tmpDir, `${randomUUID()}.layout.part`);
      await fs.writeFile(tmp, `${this.layoutOf}\n`, { mode: 0o640 });
      await fs.rename(tmp, path.join(this.root, LAYOUT_FILE));
    }
    await fileWorkers.syncDir(this.root);
  }

  /** For readers only (e.g. `rop dataset snapshot`): learns the layout, writes nothing. */
  async openForReading(): Promise<this> {
    const present = await fs.readdir(this.root).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return []; // no store yet: nothing to read, any layout will do
      throw e;
    });
    this.layoutOf = (await this.findLayout(new Set(present))).layout;
    return this;
  }

  /** The layout LAYOUT_FILE names (`recorded`) or, without that file, the one the files show. */
  private async findLayout(present: ReadonlySet<string>): Promise<{ layout: BlobLayout; recorded: boolean }> {
    const recorded = await this.readLayout();
    return { layout: recorded ?? (await this.guessLayout(present)), recorded: recorded !== undefined };
  }

  /** The LAYOUT file's layout; undefined when there is none. */
  private async readLayout(): Promise<BlobLayout | undefined> {
    const file = path.join(this.root, LAYOUT_FILE);
    let text: string;
    try {
      text = (await fs.readFile(file, 'utf8')).trim();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
    const layout = LAYOUTS.find((l) => l === text);
    if (!layout) {
      throw new RopError(
        'BLOB.LAYOUT_UNKNOWN',
        `${file} says "${text.slice(0, 40)}", expected one of: ${LAYOUTS.join(', ')}. Is this a ROPline blob directory?`,
        { file },
      );
    }
    return layout;
  }

  /** No LAYOUT file: `ab/cd` if some `ab/` holds anything (a store from before it), else `ab`. */
  private async guessLayout(present: ReadonlySet<string>): Promise<BlobLayout> {
    for (const ab of FIRST_LEVEL) {
      if (present.has(ab) && (await fs.readdir(path.join(this.root, ab))).length > 0) return 'ab/cd';
    }
    return 'ab';
  }

  /**
   * Removes temp files left by a process that died mid-put (SIGKILL, power loss): never a stored
   * blob, and never acknowledged. Only those older than STALE_TEMP_MS: other gateway processes may
   * share this store (`--role`), and their puts in flight are seconds old. Returns how many went.
   */
  async removeStaleTemps(now = Date.now()): Promise<number> {
    let removed = 0;
    for (const name of await fs.readdir(this.tmpDir)) {
      if (!name.endsWith('.part')) continue;
      const file = path.join(this.tmpDir, name);
      const s = await fs.stat(file).catch(() => null); // gone meanwhile: installed or discarded
      if (!s || now - s.mtimeMs < STALE_TEMP_MS) continue;
      await fs.rm(file, { force: true });
      removed++;
    }
    return removed;
  }

  pathOf(sha256: string): string {
    checkKey(sha256);
    return contentPath(this.root, sha256, path.join, this.layoutOf);
  }

  async has(sha256: string): Promise<boolean> {
    return (await this.stat(sha256)) !== null;
  }

  async stat(sha256: string): Promise<BlobRef | null> {
    try {
      const s = await fs.stat(this.pathOf(sha256));
      return { sha256, size: s.size };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }

  async get(sha256: string): Promise<Buffer> {
    try {
      return await fs.readFile(this.pathOf(sha256));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new RopError('BLOB.NOT_FOUND', `No blob ${sha256}`, { sha256 });
      }
      throw e;
    }
  }

  async remove(sha256: string): Promise<void> {
    await fs.rm(this.pathOf(sha256), { force: true });
  }

  async put(bytes: Uint8Array): Promise<BlobRef> {
    const staged = await this.stage();
    try {
      await staged.write(bytes);
      return await staged.commit();
    } catch (e) {
      await staged.discard();
      throw e;
    }
  }

  /**
   * Free bytes on the store's filesystem. Concurrent callers share the statfs(2) in flight, so a
   * burst of requests costs one syscall; a result is reused for FREE_BYTES_TTL_MS, less every byte
   * installed since (never an over-estimate from this store's own writes).
   */
  freeBytes(): Promise<number> {
    const last = this.statfsLast;
    if (last && performance.now() - last.at < FREE_BYTES_TTL_MS) {
      return Promise.resolve(Math.max(0, last.free - (this.installedBytes - last.installedThen)));
    }
    if (this.statfsInFlight) return this.statfsInFlight;
    const installedThen = this.installedBytes;
    const at = performance.now();
    const inFlight = fs.statfs(this.root).then(
      (s) => {
        this.statfsInFlight = null;
        const free = s.bavail * s.bsize;
        this.statfsLast = { at, free, installedThen };
        return free;
      },
      (e: unknown) => {
        this.statfsInFlight = null;
        throw e;
      },
    );
    this.statfsInFlight = inFlight;
    return inFlight;
  }

  async stage(sizeHint?: number): Promise<StagedBlob> {
    const tmp = path.join(this.tmpDir, `${randomUUID()}.part`);
    // Bytes stay in memory (copied: callers may reuse their buffers) up to SPILL_BYTES, so a typical
    // instance costs one write and no re-read, and is hashed by the file worker that writes it; past
    // that they go to the temp file as they come, hashed here. A size hint (STOW: the request's
    // Content-Length) sizes the buffer once, no regrowth copies.
    const initial =
      sizeHint !== undefined && Number.isFinite(sizeHint) && sizeHint > 0
        ? Math.min(SPILL_BYTES, Math.ceil(sizeHint))
        : INITIAL_BUFFER_BYTES;
    const buffers = this.buffers;
    let mem: Buffer | null = buffers.acquire(initial);
    const dropMem = () => {
      if (mem) buffers.release(mem);
      mem = null;
    };
    /** Spilled blobs only: the digest of the bytes so far. */
    let hash: Hash | null = null;
    let handle: fs.FileHandle | null = null;
    let size = 0;
    let finished = false;
    let committed: Promise<BlobRef> | null = null;
    let open = false;
    let done = false;
    const openFile = async () => {
      handle = await this.openTemp(tmp);
      open = true;
      return handle;
    };
    const closeHandle = async () => {
      if (!open) return;
      open = false;
      await handle!.close();
    };
    // A spilled blob's flush (last bytes, fsync, close) starts at finish() and runs while the
    // caller validates and looks the instance up; commit() waits for it before the rename. A blob
    // still in memory is hashed, written, fsynced and installed by one file-worker step at commit().
    let flushed: Promise<void> | null = null;
    const flush = async () => {
      await fileWorkers.syncFd(handle!.fd);
      await closeHandle();
    };
    const finish = async (): Promise<void> => {
      if (finished) return;
      finished = true;
      if (!mem) {
        flushed = flush();
        flushed.catch(() => undefined); // reported by commit()
      }
    };
    const install = async (): Promise<BlobRef> => {
      if (mem) {
        // The buffer goes to the worker by transfer (`mem` is detached meanwhile) and comes back.
        const bytes = mem.subarray(0, size);
        mem = null;
        const put = await fileWorkers.put(tmp, bytes, this.root, this.layoutOf, this.directWrites);
        if (put.buffer) buffers.release(put.buffer);
        if (this.directWrites && !put.direct && size > 0) this.directRefused();
        return { sha256: put.sha256, size };
      }
      await flushed;
      const r = { sha256: hash!.digest('hex'), size };
      await fileWorkers.install(tmp, this.pathOf(r.sha256), this.root);
      return r;
    };
    return {
      get size() {
        return size;
      },
      async write(chunk) {
        if (finished) throw new RopError('BLOB.STAGE_CLOSED', 'write after finish');
        if (mem && size + chunk.byteLength <= SPILL_BYTES) {
          if (size + chunk.byteLength > mem.length) {
            const grown = buffers.acquire(size + chunk.byteLength);
            mem.copy(grown, 0, 0, size);
            buffers.release(mem);
            mem = grown;
          }
          mem.set(chunk, size);
          size += chunk.byteLength;
          return;
        }
        const h = handle ?? (await openFile());
        if (mem) {
          hash = createHash('sha256').update(mem.subarray(0, size));
          await writeAll(h, mem.subarray(0, size));
          dropMem();
        }
        hash!.update(chunk);
        await writeAll(h, chunk);
        size += chunk.byteLength;
      },
      finish,
      read: async () => {
        if (!finished) throw new RopError('BLOB.STAGE_OPEN', 'read before finish');
        if (mem) return mem.subarray(0, size);
        await flushed;
        return fs.readFile(tmp);
      },
      commit: async () => {
        await finish();
        // Once: a second call gets the first one's result (a failure leaves the blob to discard();
        // a failed put removed its temp file itself).
        committed ??= install().then((r) => {
          done = true;
          this.installedBytes += r.size;
          return r;
        });
        return committed;
      },
      discard: async () => {
        if (done) return;
        done = true;
        await flushed?.catch(() => undefined);
        dropMem();
        await closeHandle().catch(() => undefined);
        if (handle) await fs.rm(tmp, { force: true });
      },
    };
  }

  /** Once: the filesystem refused O_DIRECT, so blobs go through the page cache (still durable). */
  private directRefused(): void {
    if (this.warnedBuffered) return;
    this.warnedBuffered = true;
    this.log?.(
      'warn',
      'blob store: the filesystem refused O_DIRECT, blobs are written through the page cache ' +
        '(as durable, more CPU per put); set blobs.directWrites: false to silence this',
      { dir: this.root },
    );
  }

  /** Creates a staging file (`<dir>/tmp` is made at start, and again if it was removed). */
  private async openTemp(tmp: string): Promise<fs.FileHandle> {
    try {
      return await fs.open(tmp, 'wx', 0o640);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      await fs.mkdir(this.tmpDir, { recursive: true });
      return fs.open(tmp, 'wx', 0o640);
    }
  }
}

export const localBlobStoreManifest: PluginManifest<LocalBlobStoreConfig, LocalBlobStore> = {
  kind: 'blob-store',
  id: 'local',
  configSchema: localBlobStoreConfigSchema,
  async create(config, ctx) {
    const store = new LocalBlobStore(path.resolve(config.dir), config.directWrites, ctx.log);
    await store.start();
    return store;
  },
};
