import type { WasmKernels } from './kernels/wasm-kernels.util.js';
import { roundHalfEvenU8 } from './rounding.util.js';

const fround = Math.fround;

/**
 * OpenCV `resizeAreaFast_` for exact integer factors: plain box average, `(sum + 2) >> 2` for the
 * 2x2 SIMD path, otherwise `saturate_cast<uchar>(sum * (1.f / area))`.
 */
export function resizeAreaInteger(
  src: Uint8Array,
  sw: number,
  dst: Uint8Array,
  dw: number,
  dh: number,
  fx: number,
  fy: number,
): void {
  if (fx === 2 && fy === 2) {
    let o = 0;
    for (let dy = 0; dy < dh; dy++) {
      let r0 = 2 * dy * sw;
      let r1 = r0 + sw;
      for (let dx = 0; dx < dw; dx++, o++, r0 += 2, r1 += 2) {
        dst[o] = (src[r0] + src[r0 + 1] + src[r1] + src[r1 + 1] + 2) >> 2;
      }
    }
    return;
  }
  const scale = fround(1 / (fx * fy));
  const rowSum = new Int32Array(dw);
  let o = 0;
  for (let dy = 0; dy < dh; dy++) {
    rowSum.fill(0);
    for (let r = dy * fy * sw, rEnd = r + fy * sw; r < rEnd; r += sw) {
      let s = r;
      for (let dx = 0; dx < dw; dx++) {
        let acc = 0;
        for (let k = 0; k < fx; k++) acc += src[s++];
        rowSum[dx] += acc;
      }
    }
    for (let dx = 0; dx < dw; dx++) dst[o++] = roundHalfEvenU8(fround(fround(rowSum[dx]) * scale));
  }
}

/**
 * OpenCV `computeResizeAreaTab`, one record per destination index: an optional partial tap on the
 * left, a run of whole source pixels sharing one weight (1 / cellWidth), an optional partial tap
 * on the right, in OpenCV's order. A missing partial tap has index -1.
 */
interface AreaTab {
  left: Int32Array;
  leftAlpha: Float64Array;
  midStart: Int32Array;
  midEnd: Int32Array;
  midAlpha: Float64Array;
  right: Int32Array;
  rightAlpha: Float64Array;
}

export function computeAreaTab(ssize: number, dsize: number, scale: number): AreaTab {
  const t: AreaTab = {
    left: new Int32Array(dsize).fill(-1),
    leftAlpha: new Float64Array(dsize),
    midStart: new Int32Array(dsize),
    midEnd: new Int32Array(dsize),
    midAlpha: new Float64Array(dsize),
    right: new Int32Array(dsize).fill(-1),
    rightAlpha: new Float64Array(dsize),
  };
  for (let d = 0; d < dsize; d++) {
    const fs1 = d * scale;
    const fs2 = fs1 + scale;
    const cellWidth = Math.min(scale, ssize - fs1);
    const s2 = Math.min(Math.floor(fs2), ssize - 1);
    const s1 = Math.min(Math.ceil(fs1), s2);
    if (s1 - fs1 > 1e-3) {
      t.left[d] = s1 - 1;
      t.leftAlpha[d] = fround((s1 - fs1) / cellWidth);
    }
    t.midStart[d] = s1;
    t.midEnd[d] = Math.max(s1, s2);
    t.midAlpha[d] = fround(1 / cellWidth);
    if (fs2 - s2 > 1e-3) {
      t.right[d] = s2;
      t.rightAlpha[d] = fround(Math.min(Math.min(fs2 - s2, 1), cellWidth) / cellWidth);
    }
  }
  return t;
}

/** Float32 sum of one source row's taps for every destination column, in OpenCV's order. */
function reduceRow(
  src: Uint8Array,
  row: number,
  xt: AreaTab,
  product: Float64Array,
  common: number,
  buf: Float32Array,
): void {
  const { left, leftAlpha, midStart, midEnd, midAlpha, right, rightAlpha } = xt;
  for (let dx = 0; dx < buf.length; dx++) {
    let acc = 0;
    if (left[dx] >= 0) acc = fround(src[row + left[dx]] * leftAlpha[dx]);
    const a = midAlpha[dx];
    if (a === common) {
      // product[v] = fround(v * a): the same float32 product, looked up instead of computed.
      for (let s = row + midStart[dx], e = row + midEnd[dx]; s < e; s++) acc = fround(acc + product[src[s]]);
    } else {
      for (let s = row + midStart[dx], e = row + midEnd[dx]; s < e; s++)
        acc = fround(acc + fround(src[s] * a));
    }
    if (right[dx] >= 0) acc = fround(acc + fround(src[row + right[dx]] * rightAlpha[dx]));
    buf[dx] = acc;
  }
}

/**
 * OpenCV `resizeArea_<uchar, float>` (INTER_AREA, both factors >= 1, not both integers): each
 * source row is reduced horizontally into a float32 buffer, rows are accumulated with their
 * vertical weights in float32, then `saturate_cast<uchar>`. Same taps, same order, same float32
 * rounding (every product and sum goes through `Math.fround` or a Float32Array store).
 */
export function resizeAreaGeneric(
  src: Uint8Array,
  sw: number,
  sh: number,
  dst: Uint8Array,
  dw: number,
  dh: number,
): void {
  // cv::resize derives the factors from the sizes as 1 / (dsize / ssize), in double.
  const xt = computeAreaTab(sw, dw, 1 / (dw / sw));
  const yt = computeAreaTab(sh, dh, 1 / (dh / sh));
  const common = xt.midAlpha[0];
  const product = new Float64Array(256);
  for (let v = 0; v < 256; v++) product[v] = fround(v * common);
  const buf = new Float32Array(dw);
  const sum = new Float32Array(dw);
  const ys = tapList(yt);
  let lastRow = -1;
  for (let dy = 0; dy < dh; dy++) {
    for (let j = ys.start[dy]; j < ys.start[dy + 1]; j++) {
      const sy = ys.src[j];
      const beta = ys.alpha[j];
      if (sy !== lastRow) {
        // A source row shared by two output rows gives the same buffer: compute it once.
        reduceRow(src, sy * sw, xt, product, common, buf);
        lastRow = sy;
      }
      if (j === ys.start[dy]) for (let dx = 0; dx < dw; dx++) sum[dx] = beta * buf[dx];
      else for (let dx = 0; dx < dw; dx++) sum[dx] = sum[dx] + fround(beta * buf[dx]);
    }
    const o = dy * dw;
    for (let dx = 0; dx < dw; dx++) dst[o + dx] = roundHalfEvenU8(sum[dx]);
  }
}

/** The taps of an `AreaTab` as flat lists, `start[d]..start[d+1]` per destination index. */
export function tapList(t: AreaTab): { start: Int32Array; src: Int32Array; alpha: Float64Array } {
  const n = t.left.length;
  const src: number[] = [];
  const alpha: number[] = [];
  const start = new Int32Array(n + 1);
  for (let d = 0; d < n; d++) {
    start[d] = src.length;
    if (t.left[d] >= 0) {
      src.push(t.left[d]);
      alpha.push(t.leftAlpha[d]);
    }
    for (let s = t.midStart[d]; s < t.midEnd[d]; s++) {
      src.push(s);
      alpha.push(t.midAlpha[d]);
    }
    if (t.right[d] >= 0) {
      src.push(t.right[d]);
      alpha.push(t.rightAlpha[d]);
    }
  }
  start[n] = src.length;
  return { start, src: Int32Array.from(src), alpha: Float64Array.from(alpha) };
}

/**
 * INTER_AREA in WebAssembly (wasm/resize-area.c): `fx` > 0 selects the integer-factor kernel
 * (factors fx x fy), 0 the generic one, fed with the tap lists above (alphas are float32 values
 * already, so the Float32Array copies are exact). Null when the wasm memory cannot grow that far.
 */
export function resizeAreaWasm(
  k: WasmKernels,
  src: Uint8Array,
  sw: number,
  sh: number,
  dw: number,
  dh: number,
  fx: number,
  fy: number,
): Uint8Array | null {
  const n = sw * sh;
  const m = dw * dh;
  if (fx > 0) {
    const ptrs = k.reserve(n, m, dw * 4);
    if (!ptrs) return null;
    const [s, d, rowSum] = ptrs;
    k.u8(s, n).set(src);
    k.fn.resize_area_integer(s, sw, d, dw, dh, fx, fy, fround(1 / (fx * fy)), rowSum);
    return k.copyOut(d, m);
  }
  const xs = tapList(computeAreaTab(sw, dw, 1 / (dw / sw)));
  const ys = tapList(computeAreaTab(sh, dh, 1 / (dh / sh)));
  const nx = xs.src.length;
  const ny = ys.src.length;
  const ptrs = k.reserve(n, m, (dw + 1) * 4, nx * 4, nx * 4, (dh + 1) * 4, ny * 4, ny * 4, dw * 4, dw * 4);
  if (!ptrs) return null;
  const [s, d, xStart, xSrc, xAlpha, yStart, ySrc, yAlpha, buf, sum] = ptrs;
  k.u8(s, n).set(src);
  k.i32(xStart, dw + 1).set(xs.start);
  k.i32(xSrc, nx).set(xs.src);
  k.f32(xAlpha, nx).set(xs.alpha);
  k.i32(yStart, dh + 1).set(ys.start);
  k.i32(ySrc, ny).set(ys.src);
  k.f32(yAlpha, ny).set(ys.alpha);
  k.fn.resize_area_generic(s, sw, d, dw, dh, xStart, xSrc, xAlpha, yStart, ySrc, yAlpha, buf, sum);
  return k.copyOut(d, m);
}
