import { InvalidArgumentError } from 'commander';

export function parseNonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected an integer >= 0');
  return n;
}

export function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected an integer >= 1');
  return n;
}

export function parsePositiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a number > 0');
  return n;
}

/** "8x8" -> [8, 8]; "8" -> [8, 8]. */
export function parseGrid(value: string): [number, number] {
  const m = /^(\d+)(?:x(\d+))?$/i.exec(value.trim());
  const a = m ? Number(m[1]) : NaN;
  const b = m ? Number(m[2] ?? m[1]) : NaN;
  if (!(a >= 1 && b >= 1)) throw new InvalidArgumentError('expected a grid like 8x8 (columns x rows)');
  return [a, b];
}

/** "299" -> [299, 299]; "320x240" -> [320, 240] (width x height). */
export function parseSize(value: string): [number, number] {
  try {
    return parseGrid(value);
  } catch {
    throw new InvalidArgumentError('expected a size like 299 or 320x240 (width x height)');
  }
}

export function parseList<T extends string>(allowed: readonly T[]): (value: string) => T[] {
  return (value: string) => {
    const items = value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const bad = items.filter((s) => !allowed.includes(s as T));
    if (bad.length || !items.length) {
      throw new InvalidArgumentError(
        `expected a comma list of ${allowed.join(', ')}; got ${bad.join(', ') || 'nothing'}`,
      );
    }
    return items as T[];
  };
}
