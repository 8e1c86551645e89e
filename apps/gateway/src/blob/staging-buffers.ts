/**
 * Reusable staging buffers for blobs received into memory (blob-store.local.ts).
 *
 * Why: a fresh ~300 KB Buffer per received instance is "external" memory to V8, and V8 starts a
 * full mark-compact each time external memory grew by 64 MB: at 100+ instances/s that was a
 * mark-compact every few hundred ms, ~30 % of the gateway's CPU on the GC's threads (measured with
 * --trace-gc and per-thread CPU). Buffers here come in power-of-two size classes and go back to a
 * free list once their blob is committed or discarded. They are plain ArrayBuffers that travel to
 * a file worker (file-workers.ts) and back by transfer, never by copy. Not SharedArrayBuffers: V8
 * copies into shared memory with relaxed atomics (`relaxed_memmove`), which profiled at ~0.2 ms of
 * main-thread time per 300 KB instance, as much as hashing it; a plain copy is several times faster.
 */
export const MIN_CLASS_BYTES = 64 * 1024;

export class StagingBuffers {
  private readonly free = new Map<number, ArrayBuffer[]>();
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
    const ab = list?.pop();
    if (ab) this.retained -= size;
    return Buffer.from(ab ?? new ArrayBuffer(size));
  }

  /**
   * Gives a buffer from acquire() back, or its ArrayBuffer (a transfer back from a worker arrives
   * as a new ArrayBuffer object over the same memory); the caller must hold no view of it any
   * more. Buffers of no size class (detached ones: 0 bytes) and shared ones are ignored.
   */
  release(buf: Uint8Array | ArrayBuffer): void {
    const ab = buf instanceof ArrayBuffer ? buf : buf.buffer;
    if (!(ab instanceof ArrayBuffer) || ab.byteLength !== classOf(ab.byteLength)) return;
    if (this.retained + ab.byteLength > this.maxRetainedBytes) return; // dropped: the GC frees it
    let list = this.free.get(ab.byteLength);
    if (!list) this.free.set(ab.byteLength, (list = []));
    list.push(ab);
    this.retained += ab.byteLength;
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
