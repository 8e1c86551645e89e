import { createHash, randomUUID } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { RopError, type PluginManifest } from '@ropline/core';
import type { BlobRef, BlobStore, StagedBlob } from './blob-store.port.js';

const SHA256_HEX = /^[0-9a-f]{64}$/;

export const localBlobStoreConfigSchema = z
  .object({
    /** Root directory; blobs live at `<dir>/ab/cd/<sha256>`, staging under `<dir>/tmp`. */
    dir: z.string().min(1),
  })
  .strict();
export type LocalBlobStoreConfig = z.output<typeof localBlobStoreConfigSchema>;

function checkKey(sha256: string): string {
  if (!SHA256_HEX.test(sha256)) {
    throw new RopError('BLOB.INVALID_KEY', 'A blob key must be 64 lower-case hex characters (sha256)');
  }
  return sha256;
}

async function fsyncDir(dir: string): Promise<void> {
  const h = await fs.open(dir, constants.O_RDONLY);
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

/**
 * Local filesystem blob store. Durable put: temp file in `<dir>/tmp` (same filesystem), fsync,
 * rename into `ab/cd/<sha256>`, fsync the directory (and its new parents). Paths come only from
 * the digest this store computed.
 */
export class LocalBlobStore implements BlobStore {
  private readonly tmpDir: string;

  constructor(readonly root: string) {
    this.tmpDir = path.join(root, 'tmp');
  }

  async start(): Promise<void> {
    await fs.mkdir(this.tmpDir, { recursive: true });
  }

  pathOf(sha256: string): string {
    checkKey(sha256);
    return path.join(this.root, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
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

  async freeBytes(): Promise<number> {
    const s = await fs.statfs(this.root);
    return s.bavail * s.bsize;
  }

  async stage(): Promise<StagedBlob> {
    await fs.mkdir(this.tmpDir, { recursive: true });
    const tmp = path.join(this.tmpDir, `${randomUUID()}.part`);
    const handle = await fs.open(tmp, 'wx', 0o640);
    const hash = createHash('sha256');
    let size = 0;
    let ref: BlobRef | null = null;
    let open = true;
    let done = false;
    const closeHandle = async () => {
      if (!open) return;
      open = false;
      await handle.close();
    };
    const finish = async (): Promise<BlobRef> => {
      if (!ref) {
        await handle.sync();
        await closeHandle();
        ref = { sha256: hash.digest('hex'), size };
      }
      return ref;
    };
    return {
      get size() {
        return size;
      },
      async write(chunk) {
        if (ref) throw new RopError('BLOB.STAGE_CLOSED', 'write after finish');
        await handle.write(chunk);
        hash.update(chunk);
        size += chunk.byteLength;
      },
      finish,
      read: async () => fs.readFile(tmp),
      commit: async () => {
        const r = await finish();
        if (done) return r;
        done = true;
        await this.install(tmp, r.sha256);
        return r;
      },
      discard: async () => {
        if (done) return;
        done = true;
        await closeHandle().catch(() => undefined);
        await fs.rm(tmp, { force: true });
      },
    };
  }

  /** Renames a fsynced temp file into place (or drops it when the content already exists). */
  private async install(tmp: string, sha256: string): Promise<void> {
    const target = this.pathOf(sha256);
    const dir = path.dirname(target);
    if (await this.has(sha256)) {
      await fs.rm(tmp, { force: true });
      return;
    }
    const created = await fs.mkdir(dir, { recursive: true });
    await fs.rename(tmp, target);
    await fsyncDir(dir);
    if (created) {
      // New directories must themselves be recorded in their parents.
      await fsyncDir(path.dirname(dir));
      await fsyncDir(this.root);
    }
  }
}

export const localBlobStoreManifest: PluginManifest<LocalBlobStoreConfig, LocalBlobStore> = {
  kind: 'blob-store',
  id: 'local',
  configSchema: localBlobStoreConfigSchema,
  async create(config) {
    const store = new LocalBlobStore(path.resolve(config.dir));
    await store.start();
    return store;
  },
};
