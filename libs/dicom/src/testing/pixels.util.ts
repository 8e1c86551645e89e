/**
 * A deterministic RGB test image: red and green ramps (0 and 255 reached at the edges), blue a
 * smooth wave. Chroma is smooth on purpose: JPEG 4:2:2 subsampling legitimately destroys per-pixel
 * chroma detail, and lossy tests must measure the decoder, not the encoder.
 */
export function gradientRgb(width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      out[o] = Math.round((x * 255) / Math.max(1, width - 1));
      out[o + 1] = Math.round((y * 255) / Math.max(1, height - 1));
      out[o + 2] = Math.round(128 + 100 * Math.sin(x / 6) * Math.cos(y / 9));
    }
  }
  return out;
}

/** A ramp of `bits`-bit values over the image (max value in the last pixel). */
export function gradientGray(width: number, height: number, bits: number): number[] {
  const max = 2 ** bits - 1;
  const n = width * height;
  return Array.from({ length: n }, (_, i) => Math.round((i * max) / Math.max(1, n - 1)));
}

export function meanAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
  return s / Math.max(1, a.length);
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
