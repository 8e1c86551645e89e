import type { backend_util, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapF32, type Scratch } from './wasm-kernel-kit.js';

type Conv2DInfo = backend_util.Conv2DInfo;
type Padding4 = [[number, number], [number, number], [number, number], [number, number]];

/**
 * Input-gradient-as-forward-convolution, the layout half (NHWC).
 *
 * dx = correlate(dy', flip(w)) with stride 1 and the forward dilation, where dy' is dy with s-1 zeros
 * between neighbours (stride s) and padded by `eff-1-padBefore` before and `in-len+padBefore` after
 * (len = (out-1)*s+1, eff = (k-1)*d+1). This returns dy' ready for such a convolution, either as dy
 * itself with explicit padding (stride 1, no cropping: zero copies) or as a freshly laid out buffer
 * used with 'valid' padding (strided, or when a pad is negative and rows/cols must be cropped).
 */
export function layoutDyForInputGrad(
  backend: BackendWasm,
  scratch: Scratch,
  dy: TensorInfo,
  info: Conv2DInfo,
): { input: TensorInfo; pad: 'valid' | Padding4 } {
  const rows = axisPlan(
    info.strideHeight,
    info.effectiveFilterHeight,
    info.inHeight,
    info.outHeight,
    info.padInfo.top,
  );
  const cols = axisPlan(
    info.strideWidth,
    info.effectiveFilterWidth,
    info.inWidth,
    info.outWidth,
    info.padInfo.left,
  );
  const direct = rows.stride === 1 && cols.stride === 1 && rows.before >= 0 && cols.before >= 0;
  if (direct && rows.after >= 0 && cols.after >= 0) {
    return {
      input: dy,
      pad: [
        [0, 0],
        [rows.before, rows.after],
        [cols.before, cols.after],
        [0, 0],
      ],
    };
  }
  const [B, Ho, Wo, C] = dy.shape;
  const out = scratch.alloc([B, rows.padded, cols.padded, C]);
  const src = heapF32(backend, dy);
  const dst = heapF32(backend, out);
  dst.fill(0);
  for (let b = 0; b < B; b++) {
    for (let oy = 0; oy < Ho; oy++) {
      const y = rows.before + oy * rows.stride;
      if (y < 0 || y >= rows.padded) continue;
      for (let ox = 0; ox < Wo; ox++) {
        const x = cols.before + ox * cols.stride;
        if (x < 0 || x >= cols.padded) continue;
        const s = ((b * Ho + oy) * Wo + ox) * C;
        const d = ((b * rows.padded + y) * cols.padded + x) * C;
        for (let c = 0; c < C; c++) dst[d + c] = src[s + c];
      }
    }
  }
  return { input: out, pad: 'valid' };
}

/** Per-axis geometry: `before`/`after` may be negative (crop); `padded` = in + eff - 1. */
function axisPlan(stride: number, eff: number, inLen: number, outLen: number, padBefore: number) {
  const len = (outLen - 1) * stride + 1;
  return { stride, before: eff - 1 - padBefore, after: inLen - len + padBefore, padded: inLen + eff - 1 };
}

/**
 * Spatially flipped copy of a [kh, kw, A, Bc] filter; with `swapIO` the last two axes are swapped
 * ([kh, kw, Bc, A]), which turns a conv2d filter [kh,kw,in,out] into its transpose-conv filter.
 */
export function flipFilter(
  backend: BackendWasm,
  scratch: Scratch,
  w: TensorInfo,
  swapIO: boolean,
): TensorInfo {
  const [kh, kw, a, b] = w.shape;
  const out = scratch.alloc(swapIO ? [kh, kw, b, a] : [kh, kw, a, b]);
  const src = heapF32(backend, w);
  const dst = heapF32(backend, out);
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const s0 = ((kh - 1 - i) * kw + (kw - 1 - j)) * a * b;
      const d0 = (i * kw + j) * a * b;
      if (!swapIO) {
        dst.set(src.subarray(s0, s0 + a * b), d0);
        continue;
      }
      for (let p = 0; p < a; p++) for (let q = 0; q < b; q++) dst[d0 + q * a + p] = src[s0 + p * b + q];
    }
  }
  return out;
}
