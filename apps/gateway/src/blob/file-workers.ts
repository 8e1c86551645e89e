import { Worker } from 'node:worker_threads';

/**
 * The blob store's blocking file work on worker threads, one message per step of a durable put:
 *
 * - `put(tmp, bytes, root)`: sha256 the bytes, create `tmp` (O_EXCL), write (O_DIRECT where it
 *   can: writeDurable), fsync, close, then `install` it at its content path; a blob held in memory
 *   becomes durable in one trip, is not hashed on the main thread, and its buffer travels there and
 *   back by transfer, not by copy;
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

/**
 * O_DIRECT's alignment for the source buffer, the file offset and the length: the largest logical
 * block size in use (512 on this project's VMs, 4096 on many NVMe drives).
 */
export const DIRECT_ALIGN = 4096;
/** Blobs up to this size are written with O_DIRECT (puts are in-memory blobs, <= SPILL_BYTES). */
export const DIRECT_MAX_BYTES = 8 * 1024 * 1024;

/** WebAssembly.Memory as used here (Node has it; this project's TypeScript libs do not declare it). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
declare const WebAssembly: { Memory: new (d: { initial: number; maximum: number }) => WasmMemory };

/**
 * `bytes` copied into the start of `scratch` (made, or grown, as needed), zero-padded to a multiple
 * of DIRECT_ALIGN: O_DIRECT's source. WebAssembly memory is page-aligned (V8 maps it whole); a Node
 * Buffer is not. Returns the view and the memory to pass next time. Runs on the file workers (its
 * source is embedded there), so it uses only its arguments.
 */
export function alignedCopy(
  bytes: Uint8Array,
  scratch: WasmMemory | null,
  align: number,
  maxBytes: number,
): { view: Uint8Array; scratch: WasmMemory } {
  const wasmPage = 65536;
  const padded = Math.ceil(bytes.byteLength / align) * align;
  const pages = Math.max(1, Math.ceil(padded / wasmPage));
  let mem = scratch;
  if (!mem) mem = new WebAssembly.Memory({ initial: pages, maximum: Math.ceil(maxBytes / wasmPage) + 1 });
  else if (mem.buffer.byteLength < pages * wasmPage) mem.grow(pages - mem.buffer.byteLength / wasmPage);
  const view = new Uint8Array(mem.buffer, 0, padded);
  view.set(bytes);
  view.fill(0, bytes.byteLength);
  return { view, scratch: mem };
}

/** The fs calls writeDurable makes (node:fs; a test hands in one that fails on cue). */
export interface DurableFs {
  constants: { O_WRONLY: number; O_CREAT: number; O_EXCL: number; O_DIRECT?: number };
  openSync(file: string, flags: number | string, mode: number): number;
  writeSync(fd: number, bytes: Uint8Array, offset: number, length: number): number;
  ftruncateSync(fd: number, length: number): void;
  fsyncSync(fd: number): void;
  closeSync(fd: number): void;
  rmSync(file: string, opts: { force: boolean }): void;
  mkdirSync(dir: string, opts: { recursive: true }): unknown;
}

/** Opens `file` with `flags`, making its directory if it is missing (the staging dir was removed). */
export function openMakingDir(
  io: DurableFs,
  file: string,
  flags: number | string,
  dirname: (p: string) => string,
): number {
  try {
    return io.openSync(file, flags, 0o640);
  } catch (e) {
    if ((e as { code?: string }).code !== 'ENOENT') throw e;
    io.mkdirSync(dirname(file), { recursive: true });
    return io.openSync(file, flags, 0o640);
  }
}

/** Writes all of `bytes` at the file's offset (write(2) may write less than asked). */
export function writeAll(io: DurableFs, fd: number, bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.byteLength) off += io.writeSync(fd, bytes, off, bytes.byteLength - off);
}

/**
 * Creates `file` (O_EXCL, never overwriting), writes `bytes`, fsyncs and closes it; on failure the
 * file is removed. Returns whether it wrote with O_DIRECT.
 *
 * With `aligned` (the same bytes in a page-aligned buffer, zero-padded to a multiple of
 * DIRECT_ALIGN), it writes with O_DIRECT, then truncates to the true size before the fsync: the
 * bytes go from that buffer to the disk, not through the page cache. On this project's VMs, whose
 * free memory goes back to the host, a buffered write pays a host fault for each new page-cache
 * page: a 308 KB put took 2.0-2.1 ms and 1.4 ms of CPU buffered, 1.0 ms and 0.4 ms with O_DIRECT;
 * with warm memory both take ~1.1 ms (README, benchmarks). A filesystem that refuses O_DIRECT
 * (EINVAL, at open or at the first write) gets the buffered write instead, same result.
 *
 * Runs on the file workers (its source is embedded there, with openMakingDir and writeAll), so it
 * uses only its arguments and those two, and declares no inner functions.
 */
export function writeDurable(
  io: DurableFs,
  file: string,
  bytes: Uint8Array,
  aligned: Uint8Array | undefined,
  dirname: (p: string) => string,
): boolean {
  const c = io.constants;
  let fd: number | undefined;
  let direct = false;
  if (aligned && c.O_DIRECT) {
    try {
      fd = openMakingDir(io, file, c.O_WRONLY | c.O_CREAT | c.O_EXCL | c.O_DIRECT, dirname);
      direct = true;
    } catch (e) {
      if ((e as { code?: string }).code !== 'EINVAL') throw e;
      io.rmSync(file, { force: true }); // Linux creates the file before it refuses the flag
    }
  }
  fd ??= openMakingDir(io, file, 'wx', dirname);
  try {
    if (direct) {
      try {
        writeAll(io, fd, aligned!);
        if (aligned!.byteLength !== bytes.byteLength) io.ftruncateSync(fd, bytes.byteLength);
      } catch (e) {
        if ((e as { code?: string }).code !== 'EINVAL') throw e;
        // This filesystem or buffer will not do O_DIRECT after all: start again, buffered.
        const refusedFd = fd;
        fd = undefined;
        io.closeSync(refusedFd);
        io.rmSync(file, { force: true });
        direct = false;
        fd = openMakingDir(io, file, 'wx', dirname);
      }
    }
    if (!direct) writeAll(io, fd, bytes);
    io.fsyncSync(fd);
  } catch (e) {
    if (fd !== undefined) io.closeSync(fd);
    io.rmSync(file, { force: true });
    throw e;
  }
  io.closeSync(fd);
  return direct;
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
const openMakingDir = ${openMakingDir.toString()};
const writeAll = ${writeAll.toString()};
const writeDurable = ${writeDurable.toString()};
const alignedCopy = ${alignedCopy.toString()};
// One aligned buffer per worker (it runs one job at a time), grown to the largest blob written.
let scratch = null;
let directWorks = true; // false once this filesystem refused O_DIRECT
const contentPath = ${contentPath.toString()};
// -> [sha256, whether it was written with O_DIRECT]
function put(tmp, bytes, root, layout, direct) {
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  let aligned;
  if (direct && directWorks && bytes.byteLength > 0 && bytes.byteLength <= ${DIRECT_MAX_BYTES}) {
    try {
      ({ view: aligned, scratch } = alignedCopy(bytes, scratch, ${DIRECT_ALIGN}, ${DIRECT_MAX_BYTES}));
    } catch {
      directWorks = false; // no memory for the aligned copy (e.g. ulimit -v): buffered from now on
    }
  }
  const wroteDirect = writeDurable(fs, tmp, bytes, aligned, path.dirname);
  if (aligned && !wroteDirect) directWorks = false;
  try {
    install(tmp, contentPath(root, sha256, path.join, layout), root);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  return [sha256, wroteDirect];
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
    let sha256, direct;
    if (m.op === 'fsync') fs.fsyncSync(m.fd);
    else if (m.op === 'syncDir') syncDir(m.dir);
    else if (m.op === 'put') [sha256, direct] = put(m.tmp, m.bytes, m.root, m.layout, m.direct);
    else if (m.op === 'install') install(m.tmp, m.target, m.root);
    else throw new Error('unknown op ' + m.op);
    parentPort.postMessage({ id: m.id, sha256, direct, buffer: back[0] }, back);
  } catch (e) {
    parentPort.postMessage({ id: m.id, code: e.code, message: e.message, buffer: back[0] }, back);
  }
});
`;

type Op =
  | { op: 'fsync'; fd: number }
  | { op: 'syncDir'; dir: string }
  | { op: 'put'; tmp: string; bytes: Uint8Array; root: string; layout: BlobLayout; direct: boolean }
  | { op: 'install'; tmp: string; target: string; root: string };
type Reply = {
  id: number;
  code?: string;
  message?: string;
  sha256?: string;
  direct?: boolean;
  buffer?: ArrayBuffer;
};

interface Job {
  slot: Slot;
  resolve(r: Reply): void;
  reject(e: Error): void;
}

/** What a put hands back: the digest it stored under, and the (transferred) buffer it wrote. */
export interface PutResult {
  sha256: string;
  buffer: ArrayBuffer | undefined;
  /** Written with O_DIRECT (false: asked not to, empty, or the filesystem refused it). */
  direct: boolean;
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
   * Hashes `bytes` (sha256), creates `tmp` (never overwrites: EEXIST), writes (with O_DIRECT when
   * `direct` and the filesystem takes it: writeDurable), fsyncs and closes it, then installs it at
   * `contentPath(root, sha256, layout)` as `install` does. On failure `tmp` is removed; the target
   * is then untouched or, if the rename happened, complete.
   *
   * `bytes.buffer` is transferred, not copied: the caller's views of it are detached from the call
   * on, and the buffer comes back in the result (undefined if the job failed or Node would not
   * transfer it, e.g. its small-Buffer pool: that one is copied and stays usable).
   */
  async put(
    tmp: string,
    bytes: Uint8Array,
    root: string,
    layout: BlobLayout,
    direct = true,
  ): Promise<PutResult> {
    const transfer = bytes.buffer instanceof ArrayBuffer ? [bytes.buffer] : [];
    const r = await this.submit({ op: 'put', tmp, bytes, root, layout, direct }, transfer);
    return { sha256: r.sha256!, buffer: r.buffer, direct: r.direct === true };
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
