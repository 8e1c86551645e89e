import { describe, expect, it } from 'vitest';
import { deferred } from '../testing/deferred.util.js';
import { GroupCommit } from './group-commit.js';

describe('GroupCommit', () => {
  it('writes a lone request at once and batches what arrives while writes are in flight', async () => {
    const batches: number[][] = [];
    const gate = deferred();
    const gc = new GroupCommit<number, number>(async (items) => {
      batches.push(items);
      await gate.promise;
      return items.map((i) => i * 10);
    }, 1);
    const first = gc.submit(1);
    expect(batches).toEqual([[1]]); // no waiting for company
    const rest = [2, 3, 4].map((i) => gc.submit(i));
    expect(batches).toEqual([[1]]);
    gate.release();
    expect(await first).toBe(10);
    expect(await Promise.all(rest)).toEqual([20, 30, 40]);
    expect(batches).toEqual([[1], [2, 3, 4]]);
  });

  it('keeps at most maxInFlight batches of at most maxBatch items', async () => {
    let inFlight = 0;
    let peak = 0;
    const sizes: number[] = [];
    const gc = new GroupCommit<number, number>(
      async (items) => {
        peak = Math.max(peak, ++inFlight);
        sizes.push(items.length);
        await new Promise((r) => setTimeout(r, 5));
        inFlight--;
        return items;
      },
      2,
      3,
    );
    const all = Array.from({ length: 20 }, (_, i) => gc.submit(i));
    expect(await Promise.all(all)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(peak).toBe(2);
    expect(Math.max(...sizes)).toBe(3);
    expect(sizes.reduce((a, b) => a + b)).toBe(20);
  });

  it('retries a failed batch one request at a time: only the bad request fails', async () => {
    const batches: number[][] = [];
    const gate = deferred();
    const gc = new GroupCommit<number, string>(async (items) => {
      batches.push(items);
      await gate.promise;
      if (items.includes(13)) throw Object.assign(new Error('bad row'), { code: '22001' });
      return items.map(String);
    }, 1);
    const head = gc.submit(1);
    const batch = [12, 13, 14].map((i) => gc.submit(i));
    gate.release();
    await head;
    const results = await Promise.allSettled(batch);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ code: '22001' });
    expect(batches).toEqual([[1], [12, 13, 14], [12], [13], [14]]);
  });
});
