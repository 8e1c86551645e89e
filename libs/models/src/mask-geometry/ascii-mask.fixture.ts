/** Hand-drawn test masks: '#' (or a digit for a class/probability code) = set, '.' = unset. */
export interface AsciiMask {
  width: number;
  height: number;
  /** The character at each pixel, row-major. */
  chars: string[];
}

export function asciiMask(drawing: string): AsciiMask {
  const rows = drawing
    .split('\n')
    .map((r) => r.trim())
    .filter((r) => r.length > 0);
  const width = rows[0].length;
  if (rows.some((r) => r.length !== width)) throw new Error('ragged ascii mask');
  return { width, height: rows.length, chars: rows.join('').split('') };
}

/** Probability map: '#' -> `on`, '.' -> 0, a digit d -> d / 10. */
export function asciiProbability(
  drawing: string,
  on = 0.95,
): Float32Array & { width: number; height: number } {
  const m = asciiMask(drawing);
  const p = Float32Array.from(m.chars, (c) => (c === '#' ? on : c === '.' ? 0 : Number(c) / 10));
  return Object.assign(p, { width: m.width, height: m.height });
}
