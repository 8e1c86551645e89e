import { Worker } from 'node:worker_threads';

/**
 * The blob store's blocking file work on worker threads, one message per step of a durable put:
 *
 * - `put(tmp, bytes, root)`: sha256 the bytes, create `tmp` (O_EXCL), write, fsync, close, then
 *   `install` it at its content path; a blob held in memory becomes durable in one trip, is not
 *   hashed on the main thread, and its buffer travels there and back by transfer, not by copy;
 * - `install(tmp, target, root)`: mkdir -p the target's directory, rename, fsync the directory and,
 *   when directories were created, their parents up to `root`;
 * - `syncFd(fd)` / `syncDir(dir)`: single fsyncs (temp files written as they stream in).
 *
 * Why: every fs call on the main thread costs a libuv round trip (and Node runs only 4 fs threads:
 * a few concurrent fsyncs, each blocking its thread for the disk flush, stall every other fs call of
 * the process), and on the 2-vCPU VMs we measure on, each cross-thread wake-up costs ~0.3 ms of
 * main-thread time. A put used to be ~7 such calls; here it is one message, the steps run back to
 * back on the worker, and the main thread only dispatches and settles. Concurrent calls on
 * different workers still share the filesystem's journal commits. Each call resolves only after
 * the kernel reported every fsync of that step done.
 */
/**
 * How a store lays blobs out under its root (its LAYOUT file says which, blob-store.local.ts):
 * - `ab`: `<root>/ab/<sha256>`, 256 directories made at start (as git's loose objects): a put
 *   never makes a directory, and syncs one (the default for new stores);
 * - `ab/cd`: `<root>/ab/cd/<sha256>`, stores written before the LAYOUT file: the first put into
 *   each of the 65536 `ab/cd/` makes it and syncs `ab/` too, one more fsync in a row.
 */
export type BlobLayout = 'ab' | 'ab/cd';

/**
 * Where a blob with this digest lives. Runs on the file workers too (its source is embedded
 * there), so it uses only its arguments.
 */
export function contentPath(
  root: string,
  sha256: string,
  join: (...p: string[]) => string,
  layout: BlobLayout,
): string {
  return layout === 'ab/cd'
    ? join(root, sha256.slice(0, 2), sha256.slice(2, 4), sha256)
    : join(root, sha256.slice(0, 2), sha256);
}

/**
 * The directories whose entries an install changed, each to be fsynced: the target's directory
 * (the renamed-in file) and, when mkdir made directories (`created`: the topmost one it made),
 * the parent of each new one, up to `root` at most. With `ab/` already there, installing into a
 * new `ab/cd/` (layout `ab/cd`) syncs `ab/cd` and `ab`, not the root. Runs on the file workers
 * (its source is embedded there), so it uses only its arguments.
 */
export function directoriesToSync(
  dir: string,
  created: string | undefined,
  root: string,
  dirname: (p: string) => string,
): string[] {
  const dirs = [dir];
  if (created === undefined) return dirs;
  const top = dirname(created);
  for (let d = dirname(dir); ; d = dirname(d)) {
    dirs.push(d);
    if (d === top || d === root || d === dirname(d)) break;
  }
  return dirs;
}

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
function syncDir(dir) {
  const d = fs.openSync(dir, fs.constants.O_RDONLY);
  try { fs.fsyncSync(d); } finally { fs.closeSync(d); }
}
function writeDurable(file, bytes) {
  let fd;
  try {
    fd = fs.openSync(file, 'wx', 0o640);
  } catch (e) {
    if (e.code !== 'ENOENT') throw e;
    fs.mkdirSync(path.dirname(file), { recursive: true }); // the staging dir was removed: make it again
    fd = fs.openSync(file, 'wx', 0o640);
  }
  try {
    let off = 0;
    while (off < bytes.byteLength) off += fs.writeSync(fd, bytes, off, bytes.byteLength - off);
    fs.fsyncSync(fd);
  } catch (e) {
    fs.closeSync(fd);
    fs.rmSync(file, { force: true });
    throw e;
  }
  fs.closeSync(fd);
}
const contentPath = ${contentPath.toString()};
function put(tmp, bytes, root, layout) {
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  writeDurable(tmp, bytes);
  try {
    install(tmp, contentPath(root, sha256, path.join, layout), root);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  return sha256;
}
const directoriesToSync = ${directoriesToSync.toString()};
function install(tmp, target, root) {
  const dir = path.dirname(target);
  let created;
  // Same digest already there: replaced atomically by identical bytes. The directory is made only
  // when the rename says it is missing (a new ab/cd/, or an ab/ someone removed): one syscall less
  // per put than an mkdir -p each time.
  try {
    fs.renameSync(tmp, target);
  } catch (e) {
    if (e.code !== 'ENOENT') throw e;
    created = fs.mkdirSync(dir, { recursive: true });
    fs.renameSync(tmp, target);
  }
  for (const d of directoriesToSync(dir, created, root, path.dirname)) syncDir(d);
}
parentPort.on('message', (m) => {
  // A put's buffer goes back with the reply, success or not (the sender pools it).
  const back = m.op === 'put' ? [m.bytes.buffer] : [];
  try {
    let sha256;
    if (m.op === 'fsync') fs.fsyncSync(m.fd);
    else if (m.op === 'syncDir') syncDir(m.dir);
    else if (m.op === 'put') sha256 = put(m.tmp, m.bytes, m.root, m.layout);
    else if (m.op === 'install') install(m.tmp, m.target, m.root);
    else throw new Error('unknown op ' + m.op);
    parentPort.postMessage({ id: m.id, sha256, buffer: back[0] }, back);
  } catch (e) {
    parentPort.postMessage({ id: m.id, code: e.code, message: e.message, buffer: back[0] }, back);
  }
});
`;

type Op =
  | { op: 'fsync'; fd: number }
  | { op: 'syncDir'; dir: string }
  | { op: 'put'; tmp: string; bytes: Uint8Array; root: string; layout: BlobLayout }
  | { op: 'install'; tmp: string; target: string; root: string };
type Reply = { id: number; code?: string; message?: string; sha256?: string; buffer?: ArrayBuffer };

interface Job {
  slot: Slot;
  resolve(r: Reply): void;
  reject(e: Error): void;
}

/** What a put hands back: the digest it stored under, and the (transferred) buffer it wrote. */
export interface PutResult {
  sha256: string;
  buffer: ArrayBuffer | undefined;
}
type Slot = { worker: Worker; busy: number };

export class FileWorkerPool {
  private readonly workers: Slot[] = [];
  private readonly jobs = new Map<number, Job>();
  private nextId = 1;

  constructor(private readonly size = 8) {}

  /** fsync(2) an open file descriptor (the caller keeps it open until this settles). */
  async syncFd(fd: number): Promise<void> {
    await this.submit({ op: 'fsync', fd });
  }

  /** Opens a directory read-only, fsyncs it, closes it. */
  async syncDir(dir: string): Promise<void> {
    await this.submit({ op: 'syncDir', dir });
  }

  /**
   * Hashes `bytes` (sha256), creates `tmp` (never overwrites: EEXIST), writes, fsyncs and closes
   * it, then installs it at `contentPath(root, sha256, layout)` as `install` does. On failure `tmp` is
   * removed; the target is then untouched or, if the rename happened, complete.
   *
   * `bytes.buffer` is transferred, not copied: the caller's views of it are detached from the call
   * on, and the buffer comes back in the result (undefined if the job failed or Node would not
   * transfer it, e.g. its small-Buffer pool: that one is copied and stays usable).
   */
  async put(tmp: string, bytes: Uint8Array, root: string, layout: BlobLayout): Promise<PutResult> {
    const transfer = bytes.buffer instanceof ArrayBuffer ? [bytes.buffer] : [];
    const r = await this.submit({ op: 'put', tmp, bytes, root, layout }, transfer);
    return { sha256: r.sha256!, buffer: r.buffer };
  }

  /**
   * Renames the fsynced `tmp` to `target` (making its directory), fsyncs the directory and any new
   * parents up to `root`. Resolves when the entry is durable.
   */
  async install(tmp: string, target: string, root: string): Promise<void> {
    await this.submit({ op: 'install', tmp, target, root });
  }

  private submit(msg: Op, transfer: ArrayBuffer[] = []): Promise<Reply> {
    const slot = this.pick();
    const id = this.nextId++;
    slot.busy += 1;
    slot.worker.ref(); // a job in flight keeps the process alive until it settles
    const settled = () => {
      slot.busy -= 1;
      if (slot.busy === 0) slot.worker.unref();
    };
    return new Promise<Reply>((resolve, reject) => {
      this.jobs.set(id, {
        slot,
        resolve: (r) => {
          settled();
          resolve(r);
        },
        reject: (e) => {
          settled();
          reject(e);
        },
      });
      slot.worker.postMessage({ id, ...msg }, transfer);
    });
  }

  /** The least busy worker; a new one while fewer than `size` exist and all are busy. */
  private pick(): Slot {
    let best = this.workers[0];
    for (const w of this.workers) if (w.busy < best.busy) best = w;
    if (best && (best.busy === 0 || this.workers.length >= this.size)) return best;
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    // An idle worker never keeps the process alive: it is ref'd only while it has jobs (submit
    // and settle above). A single unref() here was not enough: after its first job, an idle
    // worker kept the process from exiting (`rop gateway` then hit its 30 s shutdown timer).
    worker.unref();
    const slot: Slot = { worker, busy: 0 };
    worker.on('message', (r: Reply) => {
      const job = this.jobs.get(r.id);
      if (!job) return;
      this.jobs.delete(r.id);
      if (r.code === undefined && r.message === undefined) job.resolve(r);
      else job.reject(Object.assign(new Error(r.message ?? 'file operation failed'), { code: r.code }));
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
export const fileWorkers = new FileWorkerPool();
