import { roundHalfEven } from './rounding.util.js';

const fround = Math.fround;
/** INTER_RESIZE_COEF_BITS: OpenCV's 8-bit bilinear resize uses 11-bit fixed-point weights. */
const ONE = 2048;

interface Taps {
  /** First source index of the 2-tap pair (the second is index + 1, clamped). */
  ofs: Int32Array;
  /** Fixed-point weights, two per destination index. */
  w: Int32Array;
  /** Destination indices >= this use only the first tap (the pair would leave the image). */
  max: number;
}

/**
 * Tap positions and weights as `cv::hal::resize` computes them. `areaMode` is INTER_AREA when a
 * factor is < 1 (OpenCV then emulates area with this bilinear variant). OpenCV clamps taps that
 * leave the image only horizontally (`horizontal`); vertically it keeps the raw weights and
 * clamps the row indices, which rounds differently at the top and bottom rows.
 */
function computeTaps(ssize: number, dsize: number, areaMode: boolean, horizontal: boolean): Taps {
  const inv = dsize / ssize;
  const scale = 1 / inv;
  const ofs = new Int32Array(dsize);
  const w = new Int32Array(dsize * 2);
  let max = dsize;
  for (let d = 0; d < dsize; d++) {
    let s: number;
    let f: number;
    if (!areaMode) {
      f = fround((d + 0.5) * scale - 0.5);
      s = Math.floor(f);
      f = fround(f - s);
    } else {
      s = Math.floor(d * scale);
      f = fround(d + 1 - (s + 1) * inv);
      f = f <= 0 ? 0 : fround(f - Math.floor(f));
    }
    if (horizontal && s < 0) {
      f = 0;
      s = 0;
    }
    if (horizontal && s + 1 >= ssize) {
      max = Math.min(max, d);
      if (s >= ssize - 1) {
        f = 0;
        s = ssize - 1;
      }
    }
    ofs[d] = s;
    w[2 * d] = roundHalfEven(fround(1 - f) * ONE);
    w[2 * d + 1] = roundHalfEven(f * ONE);
  }
  return { ofs, w, max };
}

/** `HResizeLinear`: one source row into int sums scaled by 2048 (a single tap past `xmax`). */
function hresizeRow(
  src: Uint8Array,
  row: number,
  out: Int32Array,
  xo: Int32Array,
  xw: Int32Array,
  xmax: number,
): void {
  let dx = 0;
  for (; dx < xmax; dx++) {
    const s = row + xo[dx];
    out[dx] = src[s] * xw[2 * dx] + src[s + 1] * xw[2 * dx + 1];
  }
  for (; dx < out.length; dx++) out[dx] = src[row + xo[dx]] * ONE;
}

/** The 8-bit `VResizeLinear` specialisation (same formula in OpenCV's SIMD and scalar paths). */
function vresizeRow(a: Int32Array, b: Int32Array, b0: number, b1: number, dst: Uint8Array, o: number): void {
  for (let x = 0; x < a.length; x++, o++)
    dst[o] = (((b0 * (a[x] >> 4)) >> 16) + ((b1 * (b[x] >> 4)) >> 16) + 2) >> 2;
}

/**
 * OpenCV `resizeGeneric_` with `HResizeLinear<uchar,int,short,2048>` and the 8-bit
 * `VResizeLinear` specialisation: horizontal pass into int rows scaled by 2048, vertical pass
 * `((b0*(S0>>4))>>16 + (b1*(S1>>4))>>16 + 2) >> 2`. Integer-only, so it is bit-exact by
 * construction once the taps match.
 */
export function resizeBilinear(
  src: Uint8Array,
  sw: number,
  sh: number,
  dst: Uint8Array,
  dw: number,
  dh: number,
  areaMode: boolean,
): void {
  const xt = computeTaps(sw, dw, areaMode, true);
  const yt = computeTaps(sh, dh, areaMode, false);
  let rowA = new Int32Array(dw);
  let rowB = new Int32Array(dw);
  let rowAy = -1;
  let rowBy = -1;
  for (let dy = 0; dy < dh; dy++) {
    const sy0 = Math.min(Math.max(yt.ofs[dy], 0), sh - 1);
    const sy1 = Math.min(Math.max(yt.ofs[dy] + 1, 0), sh - 1);
    // Reuse horizontally resized rows: consecutive output rows mostly share their source rows.
    if (rowAy !== sy0) {
      if (rowBy === sy0) {
        const t = rowA;
        rowA = rowB;
        rowB = t;
        rowBy = -1;
      } else {
        hresizeRow(src, sy0 * sw, rowA, xt.ofs, xt.w, xt.max);
      }
      rowAy = sy0;
    }
    if (rowBy !== sy1) {
      if (sy1 === sy0) rowB.set(rowA);
      else hresizeRow(src, sy1 * sw, rowB, xt.ofs, xt.w, xt.max);
      rowBy = sy1;
    }
    vresizeRow(rowA, rowB, yt.w[2 * dy], yt.w[2 * dy + 1], dst, dy * dw);
  }
}
