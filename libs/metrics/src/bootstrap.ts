import { mulberry32 } from '@ropline/core';
import { invalid } from './validate.js';

export interface BootstrapOptions {
  /** Number of resamples (default 1000). */
  iterations?: number;
  /** mulberry32 seed; the same seed and input always give the same interval (default 0). */
  seed?: number;
  /** Two-sided interval level: 0.05 -> 95 % interval (default). */
  alpha?: number;
}

export interface BootstrapResult {
  /** The statistic on the full sample. */
  estimate: number;
  lower: number;
  upper: number;
  /** Resamples whose statistic was finite (undefined resamples are dropped, e.g. kappa on one class). */
  iterations: number;
}

/** Percentile with linear interpolation between order statistics (numpy's default "linear"). */
export function quantile(sorted: readonly number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/**
 * Cluster (group) bootstrap with a percentile interval: each resample draws as many groups as there
 * are, with replacement, and keeps all items of each drawn group, so images of one infant stay
 * together (they are not independent). Groups are taken in first-seen order, so the result
 * depends only on the input order, the seed and the statistic.
 */
export function bootstrapCi<T>(
  items: readonly T[],
  groupKey: (item: T) => string,
  statistic: (sample: T[]) => number,
  options: BootstrapOptions = {},
): BootstrapResult {
  const iterations = options.iterations ?? 1000;
  const alpha = options.alpha ?? 0.05;
  if (!Number.isInteger(iterations) || iterations < 1) throw invalid(`iterations must be an integer >= 1`);
  if (!(alpha > 0 && alpha < 1)) throw invalid(`alpha must be in (0, 1), got ${alpha}`);
  if (items.length === 0) throw invalid('bootstrapCi: no items');
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = groupKey(item);
    const list = groups.get(key) ?? [];
    list.push(item);
    groups.set(key, list);
  }
  const members = [...groups.values()];
  const random = mulberry32(options.seed ?? 0);
  const stats: number[] = [];
  for (let it = 0; it < iterations; it++) {
    const sample: T[] = [];
    for (let g = 0; g < members.length; g++) {
      sample.push(...members[Math.floor(random() * members.length)]);
    }
    const value = statistic(sample);
    if (Number.isFinite(value)) stats.push(value);
  }
  stats.sort((a, b) => a - b);
  const estimate = statistic([...items]);
  if (stats.length === 0) return { estimate, lower: NaN, upper: NaN, iterations: 0 };
  return {
    estimate,
    lower: quantile(stats, alpha / 2),
    upper: quantile(stats, 1 - alpha / 2),
    iterations: stats.length,
  };
}
