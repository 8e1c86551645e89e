import { describe, expect, it } from 'vitest';
import { mulberry32 } from './seeded-random.js';

describe('mulberry32', () => {
  it('reproduces the reference sequence for seed 1 and stays in [0, 1)', () => {
    const r = mulberry32(1);
    // Reference values computed independently (Python big-int port of mulberry32, masked to 32 bits).
    expect([r(), r(), r()].map((v) => Math.round(v * 4294967296))).toEqual([
      2693262067, 11749833, 2265367787,
    ]);
    const s = mulberry32(42);
    for (let i = 0; i < 10_000; i++) {
      const v = s();
      expect(v >= 0 && v < 1).toBe(true);
    }
  });
});
