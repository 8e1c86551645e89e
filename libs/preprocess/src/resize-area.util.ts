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

/** OpenCV `computeResizeAreaTab` grouped per destination index: taps `start[d]..start[d+1]`. */
interface AreaTab {
  start: Int32Array;
  src: Int32Array;
  alpha: Float64Array;
}

function computeAreaTab(ssize: number, dsize: number, scale: number): AreaTab {
  const si: number[] = [];
  const al: number[] = [];
  const start = new Int32Array(dsize + 1);
  for (let d = 0; d < dsize; d++) {
    start[d] = si.length;
    const fs1 = d * scale;
    const fs2 = fs1 + scale;
    const cellWidth = Math.min(scale, ssize - fs1);
    const s2 = Math.min(Math.floor(fs2), ssize - 1);
    const s1 = Math.min(Math.ceil(fs1), s2);
    if (s1 - fs1 > 1e-3) {
      si.push(s1 - 1);
      al.push(fround((s1 - fs1) / cellWidth));
    }
    for (let s = s1; s < s2; s++) {
      si.push(s);
      al.push(fround(1 / cellWidth));
    }
    if (fs2 - s2 > 1e-3) {
      si.push(s2);
      al.push(fround(Math.min(Math.min(fs2 - s2, 1), cellWidth) / cellWidth));
    }
  }
  start[dsize] = si.length;
  return { start, src: Int32Array.from(si), alpha: Float64Array.from(al) };
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
  const buf = new Float32Array(dw);
  const sum = new Float32Array(dw);
  const { start: xs, src: xsrc, alpha: xal } = xt;
  let lastRow = -1;
  for (let dy = 0; dy < dh; dy++) {
    for (let j = yt.start[dy]; j < yt.start[dy + 1]; j++) {
      const sy = yt.src[j];
      const beta = yt.alpha[j];
      if (sy !== lastRow) {
        // A source row shared by two output rows gives the same buffer: compute it once.
        const row = sy * sw;
        for (let dx = 0, k = 0; dx < dw; dx++) {
          let acc = 0;
          for (const kEnd = xs[dx + 1]; k < kEnd; k++)
            acc = fround(acc + fround(src[row + xsrc[k]] * xal[k]));
          buf[dx] = acc;
        }
        lastRow = sy;
      }
      if (j === yt.start[dy]) for (let dx = 0; dx < dw; dx++) sum[dx] = beta * buf[dx];
      else for (let dx = 0; dx < dw; dx++) sum[dx] = sum[dx] + fround(beta * buf[dx]);
    }
    const o = dy * dw;
    for (let dx = 0; dx < dw; dx++) dst[o + dx] = roundHalfEvenU8(sum[dx]);
  }
}
