import {
  Conv2DBackpropInput,
  type Conv2DBackpropInputAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { convInfo, copyPadded, type ConvInfo } from './conv-input.js';
import { MAX_TAPS, modelsWasm } from './models-wasm.js';
import { heapF32 } from './wasm-kernel-kit.js';

/**
 * Conv2DBackpropInput (dx of conv2d, = the transposed conv), NHWC float32, by ROPline's direct wasm
 * SIMD kernel (`libs/models/wasm/conv-direct.c`): register tiles of 4 dx pixels x 8 channels summed
 * over the taps and dy channels, on dy copied zero-padded into the kernel module's memory. It
 * walks only the taps that hit each stride class of dx columns, so strided (transposed) convs do
 * no multiply-adds with zeros (the former XNNPACK formulation zero-interleaved dy: s^2 the work),
 * and needs no flipped filter. NCHW and non-float32 go to tfjs-wasm's own (naive) kernel.
 */

/** dx [B, H, W, Cin] of a conv2d with geometry `info`, from dy [B, Ho, Wo, Cout] and w [kh, kw, Cin, Cout]. */
export function inputGradDirect(
  backend: BackendWasm,
  dy: TensorInfo,
  filter: TensorInfo,
  info: ConvInfo,
): TensorInfo {
  const { batchSize: b, inHeight: h, inWidth: w, inChannels: cin, outChannels: cout } = info;
  const { outHeight: ho, outWidth: wo, filterHeight: kh, filterWidth: kw } = info;
  const { strideWidth: sw, dilationWidth: dw } = info;
  const { top, left } = info.padInfo;
  // dy columns read: floor((left - (kw-1)*dw) / sw) .. floor((w-1+left) / sw); outside [0, wo) zero.
  const padl = Math.max(0, -Math.floor((left - (kw - 1) * dw) / sw));
  const wop = padl + Math.max(wo, Math.floor((w - 1 + left) / sw) + 1);
  // dx channels padded to a multiple of 4 (zero filter columns), so that every output tile is SIMD;
  // the padding is dropped when dx is copied back.
  const cinP = Math.ceil(cin / 4) * 4;
  const ndy = b * ho * wop * cout;
  const nw = kh * kw * cinP * cout;
  const ndxP = b * h * w * cinP;
  const k = modelsWasm();
  const [pdy, pw, pdx, pcrop] = k.reserveF32(ndy, nw, ndxP, cinP === cin ? 0 : b * h * w * cin);
  copyPadded(k, pdy, 0, heapF32(backend, dy), dy.shape, { hp: ho, wp: wop, cp: cout, top: 0, left: padl });
  // [kh, kw, Cin, Cout] -> [kh, kw, Cout, CinP]
  const src = heapF32(backend, filter);
  const wt = k.f32(pw, nw);
  if (cinP !== cin) wt.fill(0);
  for (let t = 0; t < kh * kw; t++) {
    const o = t * cin * cout;
    const oP = t * cinP * cout;
    for (let ci = 0; ci < cin; ci++)
      for (let co = 0; co < cout; co++) wt[oP + co * cinP + ci] = src[o + ci * cout + co];
  }
  const rc = k.fn.conv2d_backprop_input(
    pdy,
    pw,
    pdx,
    b,
    h,
    w,
    cinP,
    ho,
    wop,
    cout,
    kh,
    kw,
    info.strideHeight,
    sw,
    info.dilationHeight,
    dw,
    top,
    left,
    padl,
  );
  if (rc !== 0) throw new Error(`conv2d_backprop_input failed (${rc})`);
  const ndx = b * h * w * cin;
  let pres = pdx;
  if (cinP !== cin) {
    k.fn.strided_copy_f32(pcrop, cin, pdx, cinP, cin, b * h * w);
    pres = pcrop;
  }
  const out = backend.makeOutput([b, h, w, cin], 'float32');
  heapF32(backend, out).set(k.f32(pres, ndx));
  return out;
}

function direct(info: ConvInfo, ...ts: (TensorInfo | null | undefined)[]): boolean {
  return (
    info.dataFormat === 'channelsLast' &&
    info.filterHeight * info.filterWidth <= MAX_TAPS &&
    ts.every((t) => !t || t.dtype === 'float32')
  );
}

interface Args<I, A> {
  inputs: I;
  attrs: A;
  backend: BackendWasm;
}

export function createConv2dBackpropInputKernel(native: KernelConfig | undefined): KernelConfig {
  const kernelFunc = (
    args: Args<{ dy: TensorInfo; filter: TensorInfo }, Conv2DBackpropInputAttrs>,
  ): TensorInfo => {
    const { inputs, attrs, backend } = args;
    const info = convInfo(attrs.inputShape, inputs.filter, attrs, attrs.dataFormat);
    if (direct(info, inputs.dy, inputs.filter))
      return inputGradDirect(backend, inputs.dy, inputs.filter, info);
    if (!native) throw new Error('wasm Conv2DBackpropInput supports NHWC float32 only');
    return native.kernelFunc(args as never) as TensorInfo;
  };
  return {
    kernelName: Conv2DBackpropInput,
    backendName: 'wasm',
    kernelFunc: kernelFunc as unknown as KernelFunc,
  };
}
