import {
  backend_util,
  Conv2DBackpropFilter,
  type Conv2DBackpropFilterAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { modelsWasm } from './models-wasm.js';
import { heapF32, withScratch } from './wasm-kernel-kit.js';

/**
 * Conv2DBackpropFilter (dw of conv2d, NHWC), missing from tfjs-wasm. Computed by ROPline's own
 * wasm SIMD kernel (`libs/models/wasm/conv-filter-grad.c`, see `filterGradDirect`); the earlier
 * XNNPACK formulation (`filterGradByConv`) stays for the micro-benchmark.
 */
export function conv2dBackpropFilter(args: {
  inputs: { x: TensorInfo; dy: TensorInfo };
  attrs: Conv2DBackpropFilterAttrs;
  backend: BackendWasm;
}): TensorInfo {
  const { inputs, attrs, backend } = args;
  if (attrs.dataFormat === 'NCHW') throw new Error('wasm Conv2DBackpropFilter supports NHWC only');
  return filterGradDirect(backend, inputs.x, inputs.dy, forwardInfo(inputs.x, attrs));
}

function forwardInfo(x: TensorInfo, attrs: Conv2DBackpropFilterAttrs): backend_util.Conv2DInfo {
  return backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
}

/**
 * dw by a direct pass over x and dy (no transposes, no im2col): x and dy are copied into the
 * kernel module's memory, which accumulates every tap's [Cin, Cout] block in SIMD registers one
 * output row at a time, and dw [kh, kw, Cin, Cout] is copied back onto the tfjs-wasm heap.
 * `info` is the forward conv's geometry (strides, dilations, resolved padding).
 */
export function filterGradDirect(
  backend: BackendWasm,
  x: TensorInfo,
  dy: TensorInfo,
  info: backend_util.Conv2DInfo,
): TensorInfo {
  const { filterHeight: kh, filterWidth: kw, inChannels: cin, outChannels: cout } = info;
  const nx = info.batchSize * info.inHeight * info.inWidth * cin;
  const ndy = info.batchSize * info.outHeight * info.outWidth * cout;
  const ndw = kh * kw * cin * cout;
  const k = modelsWasm();
  const [px, pdy, pdw] = k.reserveF32(nx, ndy, ndw);
  k.f32(px, nx).set(heapF32(backend, x));
  k.f32(pdy, ndy).set(heapF32(backend, dy));
  k.fn.conv2d_filter_grad(
    px,
    pdy,
    pdw,
    info.batchSize,
    info.inHeight,
    info.inWidth,
    cin,
    info.outHeight,
    info.outWidth,
    cout,
    kh,
    kw,
    info.strideHeight,
    info.strideWidth,
    info.dilationHeight,
    info.dilationWidth,
    info.padInfo.top,
    info.padInfo.left,
  );
  const out = backend.makeOutput([kh, kw, cin, cout], 'float32');
  heapF32(backend, out).set(k.f32(pdw, ndw));
  return out;
}

/**
 * The former implementation, as ONE XNNPACK convolution:
 *
 *   dw[i,j,ci,co] = sum_{b,oy,ox} xpad[b, oy*s+i*d, ox*s+j*d, ci] * dy[b,oy,ox,co]
 *
 * is a 'valid' conv of x' = x transposed to [Cin,H,W,B] (batch Cin, channels B) with the filter
 * dy' = dy transposed to [Ho,Wo,B,Cout], dilated by the forward stride and strided by the forward
 * dilation; its output [Cin,kh',kw',Cout] (kh' >= kh when trailing rows were never read) is cropped
 * and transposed to [kh,kw,Cin,Cout]. Padding goes into the conv itself, so x is never copied padded.
 * `info` is the forward conv's geometry (strides, dilations, resolved padding).
 */
export function filterGradByConv(
  backend: BackendWasm,
  x: TensorInfo,
  dy: TensorInfo,
  info: backend_util.Conv2DInfo,
): TensorInfo {
  const { filterHeight: kh, filterWidth: kw, inChannels: cin, outChannels: cout } = info;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  // Input extent the filter grad actually reads; padding beyond it is dropped (never negative).
  const needH = (info.outHeight - 1) * sh + info.effectiveFilterHeight;
  const needW = (info.outWidth - 1) * sw + info.effectiveFilterWidth;
  const { top, left } = info.padInfo;
  const bottom = Math.max(0, needH - info.inHeight - top);
  const right = Math.max(0, needW - info.inWidth - left);
  return withScratch(backend, (scratch) => {
    const xT = scratch.call('Transpose', { x }, { perm: [3, 1, 2, 0] });
    const dyT = scratch.call('Transpose', { x: dy }, { perm: [1, 2, 0, 3] });
    const raw = scratch.call(
      'Conv2D',
      { x: xT, filter: dyT },
      {
        strides: [dh, dw],
        dilations: [sh, sw],
        pad: [
          [0, 0],
          [top, bottom],
          [left, right],
          [0, 0],
        ],
        dataFormat: 'NHWC',
      },
    );
    const [, rh, rw] = raw.shape; // >= kh, kw
    const out = scratch.alloc([kh, kw, cin, cout]);
    const src = heapF32(backend, raw);
    const dst = heapF32(backend, out);
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        for (let ci = 0; ci < cin; ci++) {
          const s0 = ((ci * rh + i) * rw + j) * cout;
          dst.set(src.subarray(s0, s0 + cout), ((i * kw + j) * cin + ci) * cout);
        }
      }
    }
    return out;
  });
}

export const conv2dBackpropFilterConfig: KernelConfig = {
  kernelName: Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2dBackpropFilter as unknown as KernelFunc,
};
