import {
  backend_util,
  MaxPoolGrad,
  type KernelConfig,
  type KernelFunc,
  type MaxPoolGradAttrs,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapF32 } from './wasm-kernel-kit.js';

/**
 * MaxPoolGrad for wasm, one pass over the pooling windows directly on the wasm heap (NHWC).
 *
 * Why: tfjs-wasm's kernel loops over every input pixel and re-derives the arg-max of each window
 * covering it (~300-425 ms at 16x128x128x32); this visits each window once (~50 ms).
 *
 * Tie rule, identical to tfjs (cpu `maxPoolPositions`): the whole gradient of a window goes to the
 * FIRST strict maximum in row-major window order, padding excluded; a window whose values are all
 * -Infinity or NaN passes no gradient. Overlapping windows (stride < size) accumulate.
 * The first x equal to the pooled output y IS that position, and an equality scan that usually
 * stops early is ~2x faster than a running arg-max; if no x equals y (an output not produced by
 * MaxPool from this x), the window falls back to the running arg-max.
 */
export function maxPoolGrad(args: {
  inputs: { dy: TensorInfo; input: TensorInfo; output: TensorInfo };
  attrs: MaxPoolGradAttrs;
  backend: BackendWasm;
}): TensorInfo {
  const { inputs, attrs, backend } = args;
  const { input: x, dy, output: y } = inputs;
  const info = backend_util.computePool2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const dx = backend.makeOutput(x.shape, 'float32');
  const X = heapF32(backend, x);
  const Y = heapF32(backend, y);
  const DY = heapF32(backend, dy);
  const DX = heapF32(backend, dx);
  DX.fill(0);

  const { batchSize: B, inHeight: H, inWidth: W, inChannels: C, outHeight: Ho, outWidth: Wo } = info;
  const { strideHeight: sh, strideWidth: sw, effectiveFilterHeight: fh, effectiveFilterWidth: fw } = info;
  const { top: padTop, left: padLeft } = info.padInfo;
  const rowStride = W * C;
  for (let b = 0; b < B; b++) {
    for (let oy = 0; oy < Ho; oy++) {
      const y0 = oy * sh - padTop;
      const yMin = Math.max(0, y0);
      const yMax = Math.min(H, y0 + fh);
      for (let ox = 0; ox < Wo; ox++) {
        const x0 = ox * sw - padLeft;
        const xMin = Math.max(0, x0);
        const xMax = Math.min(W, x0 + fw);
        const o = ((b * Ho + oy) * Wo + ox) * C;
        const corner = ((b * H + yMin) * W + xMin) * C;
        for (let c = 0; c < C; c++) {
          const m = Y[o + c];
          let at = -1;
          if (m !== -Infinity) {
            scan: for (let yy = yMin, r = corner + c; yy < yMax; yy++, r += rowStride) {
              for (let xx = xMin, p = r; xx < xMax; xx++, p += C) {
                if (X[p] === m) {
                  at = p;
                  break scan;
                }
              }
            }
            if (at < 0) at = firstStrictMax(X, corner + c, yMax - yMin, xMax - xMin, rowStride, C);
          }
          if (at >= 0) DX[at] += DY[o + c];
        }
      }
    }
  }
  return dx;
}

/** tfjs's rule spelled out: first strict maximum in row-major order, -1 if none beats -Infinity. */
function firstStrictMax(
  X: Float32Array,
  start: number,
  rows: number,
  cols: number,
  rowStride: number,
  C: number,
) {
  let best = -Infinity;
  let at = -1;
  for (let r = 0, row = start; r < rows; r++, row += rowStride) {
    for (let k = 0, p = row; k < cols; k++, p += C) {
      if (X[p] > best) {
        best = X[p];
        at = p;
      }
    }
  }
  return at;
}

export const maxPoolGradConfig: KernelConfig = {
  kernelName: MaxPoolGrad,
  backendName: 'wasm',
  kernelFunc: maxPoolGrad as unknown as KernelFunc,
};
