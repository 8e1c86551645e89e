import { describe, expect, it } from 'vitest';
import { bootstrapCi, quantile } from './bootstrap.js';

interface Item {
  infant: string;
  correct: number;
}
// Infants A..E with 2 images each; both images of an infant share the outcome.
const items: Item[] = ['A', 'B', 'C', 'D', 'E'].flatMap((infant, k) => [
  { infant, correct: k < 3 ? 1 : 0 },
  { infant, correct: k < 3 ? 1 : 0 },
]);
const mean = (s: Item[]) => s.reduce((a, b) => a + b.correct, 0) / s.length;

describe('quantile', () => {
  it('interpolates linearly like numpy', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([1, 2, 3, 4], 0.025)).toBeCloseTo(1.075, 15);
    expect(quantile([7], 0.9)).toBe(7);
  });
});

describe('bootstrapCi', () => {
  it('resamples whole groups, so every resample keeps both images of an infant', () => {
    const lengths = new Set<number>();
    const grouped = new Set<number>();
    bootstrapCi(
      items,
      (t) => t.infant,
      (s) => {
        lengths.add(s.length);
        for (let i = 0; i < s.length; i += 2) grouped.add(Number(s[i].infant === s[i + 1].infant));
        return mean(s);
      },
      { iterations: 200, seed: 1 },
    );
    expect([...lengths]).toEqual([10]);
    expect([...grouped]).toEqual([1]);
  });

  it('is deterministic for a seed and brackets the estimate', () => {
    const a = bootstrapCi(items, (t) => t.infant, mean, { seed: 7 });
    const b = bootstrapCi(items, (t) => t.infant, mean, { seed: 7 });
    const c = bootstrapCi(items, (t) => t.infant, mean, { seed: 8, iterations: 50 });
    expect(a).toEqual(b);
    expect(a.estimate).toBe(0.6);
    expect(a.iterations).toBe(1000);
    expect(a.lower).toBeLessThanOrEqual(0.6);
    expect(a.upper).toBeGreaterThanOrEqual(0.6);
    // With 5 infants each resampled mean is a multiple of 1/5.
    expect(a.lower * 5).toBeCloseTo(Math.round(a.lower * 5), 9);
    expect(c.iterations).toBe(50);
  });

  it('drops resamples whose statistic is undefined', () => {
    const r = bootstrapCi(
      items,
      (t) => t.infant,
      (s) => (s[0].correct ? NaN : mean(s)),
      { seed: 3 },
    );
    expect(r.iterations).toBeGreaterThan(0);
    expect(r.iterations).toBeLessThan(1000);
  });

  it('rejects bad options', () => {
    expect(() => bootstrapCi([], (t: Item) => t.infant, mean)).toThrow(/no items/);
    expect(() => bootstrapCi(items, (t) => t.infant, mean, { alpha: 1 })).toThrow(/alpha/);
    expect(() => bootstrapCi(items, (t) => t.infant, mean, { iterations: 0 })).toThrow(/iterations/);
  });
});
