import {
  Conv2D,
  FusedConv2D,
  util,
  type Conv2DAttrs,
  type FusedConv2DAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { convInfo, copyPadded, type ConvInfo } from './conv-input.js';
import { preparedFilter } from './filter-cache.js';
import { MAX_TAPS, modelsWasm } from './models-wasm.js';
import { heapF32 } from './wasm-kernel-kit.js';

/**
 * Forward Conv2D and FusedConv2D (bias + linear/relu/relu6), NHWC float32, by ROPline's wasm
 * kernels, with fused multiply-adds where the runtime has relaxed SIMD (see models-wasm.ts):
 * - `winograd4` / `winograd` (3x3, stride 1, dilation 1): Winograd F(4x4, 3x3) / F(2x2, 3x3),
 *   `libs/models/wasm/conv-winograd.c`; 4x / 2.25x fewer multiply-adds than a direct conv.
 * - `direct` (every other kernel size, stride, dilation): register-tiled direct conv,
 *   `libs/models/wasm/conv-direct.c`, on the filter packed in panels; the output
 *   pixels of an image form one list, so that small images still fill the register tiles.
 * Filters are prepared once per weight tensor (filter-cache.ts). The input is copied zero-padded
 * into the kernel module's memory and the result copied back.
 * NCHW, other dtypes, prelu/leakyrelu/sigmoid/elu activations and biases that are not one value
 * per output channel go to tfjs-wasm's own kernel (XNNPACK).
 */

export type ForwardMethod = 'winograd' | 'winograd4' | 'direct';

const CLAMPS: Record<string, [number, number] | undefined> = {
  linear: [-Infinity, Infinity],
  relu: [0, Infinity],
  relu6: [0, 6],
};

/** The output activation as a clamp [lo, hi], or undefined for activations the kernels do not fuse. */
export function activationClamp(activation: string | undefined): [number, number] | undefined {
  return CLAMPS[activation ?? 'linear'];
}

/** Winograd scratch per chunk of tiles (V and M): ~192 KB, so that a chunk stays in L2. */
const WINOGRAD_CHUNK_FLOATS = 48 * 1024;

const roundUp4 = (n: number) => Math.ceil(n / 4) * 4;

/**
 * Which of ROPline's kernels runs this conv, or null for tfjs-wasm's own, from bench-conv-forward.ts
 * (same run, prepared filters cached): on the 3x3 stride-1 convs Winograd F(4x4, 3x3) takes
 * 0.2-0.55x XNNPACK's time from 16x16 outputs on, F(2x2, 3x3) 0.6x on 8x8 (where F(4x4)'s 4x
 * larger filter transform is streamed for only 4 tiles: 0.8x); the direct conv takes 0.5-0.9x on
 * the other convs of 8x8 and larger, but only with fused multiply-adds (`fma`; plain SIMD ties).
 * XNNPACK keeps 1-3 channel convs (the U-Net's first and last layers, Inception's first: our tiles
 * would be mostly padding; 1.2-2x slower), smaller maps, and NCHW.
 */
export function forwardMethod(info: ConvInfo, fma: boolean): ForwardMethod | null {
  if (info.dataFormat !== 'channelsLast' || info.filterHeight * info.filterWidth > MAX_TAPS) return null;
  const pixels = info.outHeight * info.outWidth;
  if (info.inChannels < 4 || info.outChannels < 4 || pixels < 64) return null;
  const unitStride = info.strideHeight === 1 && info.strideWidth === 1;
  const unitDilation = info.dilationHeight === 1 && info.dilationWidth === 1;
  const threeByThree = info.filterHeight === 3 && info.filterWidth === 3;
  if (threeByThree && unitStride && unitDilation) return pixels >= 256 ? 'winograd4' : 'winograd';
  return fma ? 'direct' : null;
}

/** out [B, Ho, Wo, Cout] = clamp(bias + conv(x, filter)) by `method`; the caller owns the result. */
export function conv2dForward(
  backend: BackendWasm,
  x: TensorInfo,
  filter: TensorInfo,
  bias: TensorInfo | null,
  info: ConvInfo,
  [lo, hi]: [number, number],
  method: ForwardMethod,
): TensorInfo {
  const { batchSize: b, inHeight: h, inWidth: w, inChannels: cin, outChannels: cout } = info;
  const { outHeight: ho, outWidth: wo, filterHeight: kh, filterWidth: kw } = info;
  const { top, left } = info.padInfo;
  const k = modelsWasm();
  const coutp = roundUp4(cout);
  const nout = b * ho * wo * cout;
  const nw = kh * kw * cin * cout;
  let pout: number;
  if (method !== 'direct') {
    const m = method === 'winograd4' ? 4 : 2;
    const a = m + 2;
    const th = Math.ceil(ho / m);
    const tw = Math.ceil(wo / m);
    const layout = { hp: Math.max(m * th + 2, top + h), wp: Math.max(m * tw + 2, left + w), cp: roundUp4(cin), top, left };
    const chunk = Math.max(4, Math.floor(WINOGRAD_CHUNK_FLOATS / (a * a * Math.max(layout.cp, coutp))));
    const nxp = b * layout.hp * layout.wp * layout.cp;
    const [pxp, psrc, pw, pu, pbias, po, pv, pm] = k.reserveF32(
      nxp,
      layout.cp === cin ? 0 : b * h * w * cin,
      nw,
      a * a * layout.cp * coutp,
      coutp,
      nout,
      a * a * chunk * layout.cp,
      a * a * chunk * coutp,
    );
    copyPadded(k, pxp, psrc, heapF32(backend, x), x.shape, layout);
    preparedFilter(filter.dataId, `${method} ${layout.cp}`, k.f32(pu, a * a * layout.cp * coutp), () => {
      k.f32(pw, nw).set(heapF32(backend, filter));
      (m === 4 ? k.fn.winograd_filter_f4x4 : k.fn.winograd_filter_f2x2)(pw, pu, cin, cout, layout.cp, coutp);
    });
    const pb = copyBias(backend, k, bias, pbias, cout, coutp);
    const conv = m === 4 ? k.fn.conv3x3_winograd_f4x4 : k.fn.conv3x3_winograd_f2x2;
    conv(pxp, pu, pb, po, pv, pm, chunk, b, layout.hp, layout.wp, layout.cp, ho, wo, cout, coutp, lo, hi);
    pout = po;
  } else {
    const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
    const hp = Math.max((ho - 1) * sh + (kh - 1) * dh + 1, top + h);
    const wp = Math.max((wo - 1) * sw + (kw - 1) * dw + 1, left + w);
    const [pxp, pw, pwk, pbias, po] = k.reserveF32(b * hp * wp * cin, nw, nw, coutp, nout);
    copyPadded(k, pxp, 0, heapF32(backend, x), x.shape, { hp, wp, cp: cin, top, left });
    preparedFilter(filter.dataId, 'panels', k.f32(pwk, nw), () => {
      k.f32(pw, nw).set(heapF32(backend, filter));
      k.fn.pack_panels(pw, pwk, kh * kw * cin, cout);
    });
    const pb = copyBias(backend, k, bias, pbias, cout, coutp);
    const rc = k.fn.conv2d_forward(pxp, pwk, pb, po, b, hp, wp, cin, ho, wo, cout, kh, kw, sh, sw, dh, dw, lo, hi);
    if (rc !== 0) throw new Error(`conv2d_forward failed (${rc})`);
    pout = po;
  }
  const out = backend.makeOutput([b, ho, wo, cout], 'float32');
  heapF32(backend, out).set(k.f32(pout, nout));
  return out;
}

/** Copies the bias (zero-padded to `coutp`) to `dst`; returns its pointer, or 0 without bias. */
function copyBias(
  backend: BackendWasm,
  k: ReturnType<typeof modelsWasm>,
  bias: TensorInfo | null,
  dst: number,
  cout: number,
  coutp: number,
): number {
  if (!bias) return 0;
  const v = k.f32(dst, coutp);
  v.fill(0);
  v.set(heapF32(backend, bias));
  return dst;
}

/** The method for this call, or null when tfjs-wasm's kernel must run it. */
function route(info: ConvInfo, ...ts: (TensorInfo | null | undefined)[]): ForwardMethod | null {
  return ts.every((t) => !t || t.dtype === 'float32') ? forwardMethod(info, modelsWasm().variant === 'relaxed') : null;
}

interface Args<I, A> {
  inputs: I;
  attrs: A;
  backend: BackendWasm;
}

export function createConv2DKernel(native: KernelConfig): KernelConfig {
  const kernelFunc = (args: Args<{ x: TensorInfo; filter: TensorInfo }, Conv2DAttrs>): TensorInfo => {
    const { inputs, attrs, backend } = args;
    const info = convInfo(inputs.x.shape, inputs.filter, attrs, attrs.dataFormat);
    const method = route(info, inputs.x, inputs.filter);
    if (!method) return native.kernelFunc(args as never) as TensorInfo;
    return conv2dForward(backend, inputs.x, inputs.filter, null, info, activationClamp('linear') as [number, number], method);
  };
  return { kernelName: Conv2D, backendName: 'wasm', kernelFunc: kernelFunc as unknown as KernelFunc };
}

export function createFusedConv2DKernel(native: KernelConfig): KernelConfig {
  const kernelFunc = (
    args: Args<{ x: TensorInfo; filter: TensorInfo; bias?: TensorInfo; preluActivationWeights?: TensorInfo }, FusedConv2DAttrs>,
  ): TensorInfo => {
    const { inputs, attrs, backend } = args;
    const { x, filter, bias, preluActivationWeights } = inputs;
    const clamp = activationClamp(attrs.activation);
    const info = convInfo(x.shape, filter, attrs, attrs.dataFormat);
    const perChannelBias = !bias || util.sizeFromShape(bias.shape) === info.outChannels;
    const method = clamp && !preluActivationWeights && perChannelBias ? route(info, x, filter, bias) : null;
    if (!method || !clamp) return native.kernelFunc(args as never) as TensorInfo;
    return conv2dForward(backend, x, filter, bias ?? null, info, clamp, method);
  };
  return { kernelName: FusedConv2D, backendName: 'wasm', kernelFunc: kernelFunc as unknown as KernelFunc };
}
