import {
  backend_util,
  DepthwiseConv2dNativeBackpropFilter,
  type DepthwiseConv2dNativeBackpropFilterAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapF32 } from './wasm-kernel-kit.js';

/**
 * DepthwiseConv2dNativeBackpropFilter (dw of a depthwise conv, NHWC), missing from tfjs-wasm:
 *
 *   dw[i,j,c,m] = sum_{b,oy,ox} x[b, oy*sh-top+i*dh, ox*sw-left+j*dw, c] * dy[b,oy,ox,c*M+m]
 *
 * computed in one pass over dy on the wasm heap. A depthwise filter grad costs as many
 * multiply-adds as the forward depthwise conv (no channel mixing), so no GEMM is needed; expressing
 * it as a dense conv would waste a factor C. Sums accumulate in float64 (like tfjs's cpu kernel).
 */
export function depthwiseConv2dBackpropFilter(args: {
  inputs: { x: TensorInfo; dy: TensorInfo };
  attrs: DepthwiseConv2dNativeBackpropFilterAttrs;
  backend: BackendWasm;
}): TensorInfo {
  const { inputs, attrs, backend } = args;
  const info = backend_util.computeConv2DInfo(
    inputs.x.shape as [number, number, number, number],
    attrs.filterShape,
    attrs.strides,
    attrs.dilations,
    attrs.pad,
    attrs.dimRoundingMode,
    true,
  );
  const [kh, kw, C, M] = attrs.filterShape;
  const { batchSize: B, inHeight: H, inWidth: W, outHeight: Ho, outWidth: Wo } = info;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const { top, left } = info.padInfo;
  const CM = C * M;
  const acc = new Float64Array(kh * kw * CM);
  const dwOut = backend.makeOutput([kh, kw, C, M], 'float32');
  const X = heapF32(backend, inputs.x);
  const DY = heapF32(backend, inputs.dy);
  for (let b = 0; b < B; b++) {
    for (let oy = 0; oy < Ho; oy++) {
      for (let ox = 0; ox < Wo; ox++) {
        const d0 = ((b * Ho + oy) * Wo + ox) * CM;
        for (let i = 0; i < kh; i++) {
          const y = oy * sh - top + i * dh;
          if (y < 0 || y >= H) continue;
          for (let j = 0; j < kw; j++) {
            const x = ox * sw - left + j * dw;
            if (x < 0 || x >= W) continue;
            const x0 = ((b * H + y) * W + x) * C;
            const a0 = (i * kw + j) * CM;
            for (let c = 0; c < C; c++) {
              const xv = X[x0 + c];
              for (let k = 0; k < M; k++) acc[a0 + c * M + k] += xv * DY[d0 + c * M + k];
            }
          }
        }
      }
    }
  }
  heapF32(backend, dwOut).set(acc);
  return dwOut;
}

export const depthwiseConv2dBackpropFilterConfig: KernelConfig = {
  kernelName: DepthwiseConv2dNativeBackpropFilter,
  backendName: 'wasm',
  kernelFunc: depthwiseConv2dBackpropFilter as unknown as KernelFunc,
};
