/**
 * Reusable staging buffers for blobs received into memory (blob-store.local.ts).
 *
 * Why: a fresh ~300 KB Buffer per received instance is "external" memory to V8, and V8 starts a
 * full mark-compact each time external memory grew by 64 MB: at 100+ instances/s that was a
 * mark-compact every few hundred ms, ~30 % of the gateway's CPU on the GC's threads (measured with
 * --trace-gc and per-thread CPU). Buffers here come in power-of-two size classes and go back to a
 * free list once their blob is committed or discarded. They are SharedArrayBuffers, so a file
 * worker (file-workers.ts) writes one without a copy; ownership passes by protocol, not by
 * transfer: the holder releases a buffer only after the worker replied.
 */
export const MIN_CLASS_BYTES = 64 * 1024;

export class StagingBuffers {
  private readonly free = new Map<number, SharedArrayBuffer[]>();
  private retained = 0;

  /**
   * @param maxBytes largest buffer handed out (larger requests are a programming error)
   * @param maxRetainedBytes free buffers kept for reuse, all classes together; more are dropped
   */
  constructor(
    readonly maxBytes: number,
    private readonly maxRetainedBytes: number,
  ) {}

  /** A buffer of at least `min` bytes (its whole capacity is usable; contents are stale). */
  acquire(min: number): Buffer {
    const size = classOf(Math.max(1, min));
    if (size > classOf(this.maxBytes)) {
      throw new RangeError(`staging buffer of ${min} bytes is over the ${this.maxBytes}-byte limit`);
    }
    const list = this.free.get(size);
    const sab = list?.pop();
    if (sab) this.retained -= size;
    return Buffer.from(sab ?? new SharedArrayBuffer(size));
  }

  /** Gives a buffer from acquire() back; the caller must hold no view of it any more. */
  release(buf: Buffer): void {
    const sab = buf.buffer;
    if (!(sab instanceof SharedArrayBuffer) || sab.byteLength !== classOf(sab.byteLength)) return;
    if (this.retained + sab.byteLength > this.maxRetainedBytes) return; // dropped: the GC frees it
    let list = this.free.get(sab.byteLength);
    if (!list) this.free.set(sab.byteLength, (list = []));
    list.push(sab);
    this.retained += sab.byteLength;
  }

  /** Bytes held in free lists (for tests and metrics). */
  get retainedBytes(): number {
    return this.retained;
  }
}

/** The power-of-two class (at least MIN_CLASS_BYTES) that holds `n` bytes. */
function classOf(n: number): number {
  return Math.max(MIN_CLASS_BYTES, 2 ** Math.ceil(Math.log2(n)));
}
