import type { Image8 } from '@ropline/core';
import { isRopError } from '@ropline/core';

/** 1-channel image from rows of numbers (test literals). */
export function gray(rows: readonly (readonly number[])[]): Image8 {
  const height = rows.length;
  const width = rows[0].length;
  return { data: Uint8Array.from(rows.flat()), width, height, channels: 1 };
}

/** Rows of a 1-channel image, for readable `toEqual` assertions. */
export function rowsOf(img: { data: ArrayLike<number>; width: number; height: number }): number[][] {
  const out: number[][] = [];
  for (let y = 0; y < img.height; y++)
    out.push(Array.from(img.data).slice(y * img.width, (y + 1) * img.width));
  return out;
}

/** The RopError code `fn` throws, or 'no error'. */
export function errorCode(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return isRopError(e) ? e.code : `not a RopError: ${String(e)}`;
  }
  return 'no error';
}
