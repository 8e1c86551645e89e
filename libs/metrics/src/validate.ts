import { RopError } from '@ropline/core';

/** The one error code of this library: the caller passed something a metric cannot be computed on. */
export const INVALID_INPUT = 'METRICS.INVALID_INPUT';

export function invalid(message: string, meta: Record<string, string | number> = {}): RopError {
  return new RopError(INVALID_INPUT, message, meta);
}

export function checkSameLength(a: readonly unknown[], b: readonly unknown[], what: string): void {
  if (a.length !== b.length) {
    throw invalid(`${what}: length mismatch (${a.length} vs ${b.length})`, {
      left: a.length,
      right: b.length,
    });
  }
}

/** Label -> index; throws on a duplicate label. */
export function labelIndex(labels: readonly string[]): Map<string, number> {
  const index = new Map<string, number>();
  labels.forEach((l, i) => {
    if (index.has(l)) throw invalid(`duplicate label "${l}"`);
    index.set(l, i);
  });
  return index;
}

/** Index of `label`, or INVALID_INPUT naming it. */
export function indexOf(index: Map<string, number>, label: string, where: string): number {
  const i = index.get(label);
  if (i === undefined) throw invalid(`unknown label "${label}" in ${where}`);
  return i;
}

/** Sorted union of the labels that occur (code-unit order, like numpy's unique on strings). */
export function sortedUnion(...lists: readonly (readonly string[])[]): string[] {
  const set = new Set<string>();
  for (const list of lists) for (const l of list) set.add(l);
  return [...set].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** a / b, or 0 when b is 0 (scikit-learn's default `zero_division` behaviour). */
export function safeDivide(a: number, b: number): number {
  return b === 0 ? 0 : a / b;
}
