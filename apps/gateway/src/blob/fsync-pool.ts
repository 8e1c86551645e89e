import { Worker } from 'node:worker_threads';

/**
 * fsync off the libuv threadpool. Node runs fs calls on 4 threads by default; a few concurrent
 * fsyncs (each blocks its thread for the disk flush) then stall every other fs call (open, write,
 * stat, rename) of the process. These worker threads only wait in `fsync(2)`: each call resolves
 * after the kernel reported the flush done, exactly like `FileHandle.sync()`, and concurrent calls
 * still share the filesystem's journal commits.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
parentPort.on('message', ({ id, fd, dir }) => {
  try {
    if (dir !== undefined) {
      const d = fs.openSync(dir, fs.constants.O_RDONLY);
      try { fs.fsyncSync(d); } finally { fs.closeSync(d); }
    } else {
      fs.fsyncSync(fd);
    }
    parentPort.postMessage({ id });
  } catch (e) {
    parentPort.postMessage({ id, code: e.code, message: e.message });
  }
});
`;

interface Job {
  slot: Slot;
  resolve(): void;
  reject(e: Error): void;
}

type Reply = { id: number; code?: string; message?: string };
type Slot = { worker: Worker; busy: number };

export class FsyncPool {
  private readonly workers: Slot[] = [];
  private readonly jobs = new Map<number, Job>();
  private nextId = 1;

  constructor(private readonly size = 8) {}

  /** fsync(2) an open file descriptor (the caller keeps it open until this settles). */
  syncFd(fd: number): Promise<void> {
    return this.submit({ fd });
  }

  /** Opens a directory read-only, fsyncs it, closes it. */
  syncDir(dir: string): Promise<void> {
    return this.submit({ dir });
  }

  private submit(msg: { fd?: number; dir?: string }): Promise<void> {
    const slot = this.pick();
    const id = this.nextId++;
    slot.busy += 1;
    return new Promise<void>((resolve, reject) => {
      this.jobs.set(id, {
        slot,
        resolve: () => {
          slot.busy -= 1;
          resolve();
        },
        reject: (e) => {
          slot.busy -= 1;
          reject(e);
        },
      });
      slot.worker.postMessage({ id, ...msg });
    });
  }

  /** The least busy worker; a new one while fewer than `size` exist and all are busy. */
  private pick(): Slot {
    let best = this.workers[0];
    for (const w of this.workers) if (w.busy < best.busy) best = w;
    if (best && (best.busy === 0 || this.workers.length >= this.size)) return best;
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    worker.unref(); // never keeps the process alive; callers awaiting a sync hold their own handles
    const slot: Slot = { worker, busy: 0 };
    worker.on('message', (r: Reply) => {
      const job = this.jobs.get(r.id);
      if (!job) return;
      this.jobs.delete(r.id);
      if (r.code === undefined && r.message === undefined) job.resolve();
      else job.reject(Object.assign(new Error(r.message ?? 'fsync failed'), { code: r.code }));
    });
    worker.on('error', (e) => {
      // A worker that died fails every job it held; the next call starts a fresh one.
      this.workers.splice(this.workers.indexOf(slot), 1);
      for (const [id, job] of this.jobs) {
        if (job.slot !== slot) continue;
        this.jobs.delete(id);
        job.reject(e);
      }
    });
    this.workers.push(slot);
    return slot;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.splice(0).map((w) => w.worker.terminate()));
  }
}

/** Shared by every LocalBlobStore of the process. */
export const fsyncPool = new FsyncPool();
