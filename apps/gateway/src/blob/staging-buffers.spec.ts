import { describe, expect, it } from 'vitest';
import { MIN_CLASS_BYTES, StagingBuffers } from './staging-buffers.js';

describe('StagingBuffers', () => {
  it('hands out power-of-two buffers and reuses released ones', () => {
    const pool = new StagingBuffers(2 * 1024 * 1024, 1024 * 1024);
    const a = pool.acquire(300_000);
    expect(a.buffer).toBeInstanceOf(ArrayBuffer);
    expect(a.length).toBe(512 * 1024);
    expect(pool.acquire(1).length).toBe(MIN_CLASS_BYTES);
    pool.release(a);
    expect(pool.retainedBytes).toBe(512 * 1024);
    const b = pool.acquire(400_000);
    expect(b.buffer).toBe(a.buffer); // the same memory again, no new allocation
    expect(pool.retainedBytes).toBe(0);
    expect(pool.acquire(400_000).buffer).not.toBe(a.buffer); // in use: a fresh one
  });

  it('keeps at most maxRetainedBytes free and refuses requests over maxBytes', () => {
    const pool = new StagingBuffers(2 * 1024 * 1024, 1024 * 1024);
    const held = [pool.acquire(600_000), pool.acquire(600_000), pool.acquire(600_000)];
    for (const b of held) pool.release(b);
    expect(pool.retainedBytes).toBe(1024 * 1024); // two of three kept
    pool.release(Buffer.alloc(100_000)); // no size class: not from the pool, ignored
    pool.release(new Uint8Array(new SharedArrayBuffer(MIN_CLASS_BYTES))); // shared: ignored
    const gone = pool.acquire(1);
    structuredClone(gone.buffer, { transfer: [gone.buffer as ArrayBuffer] }); // detached (sent to a worker)
    pool.release(gone);
    expect(pool.retainedBytes).toBe(1024 * 1024);
    expect(() => pool.acquire(2 * 1024 * 1024 + 1)).toThrow(RangeError);
  });
});
