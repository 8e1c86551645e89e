import {
  Add,
  backend_util,
  Cast,
  Concat,
  FusedBatchNorm,
  Identity,
  Multiply,
  RealDiv,
  SplitV,
  Sub,
  util,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { modelsWasm } from './models-wasm.js';
import { heapF32 } from './wasm-kernel-kit.js';

/**
 * Fast paths for kernels that tfjs-wasm 4.22 runs slowly in training graphs (measured in one U-Net
 * training step: SplitV ~95 ms, Identity/Cast copies ~90 ms, Concat ~25 ms, FusedBatchNorm ~100 ms,
 * per-channel Multiply/Sub ~110 ms). Identity and same-dtype Cast share the buffer; the others copy
 * their operands into ROPline's kernel module (`libs/models/wasm/channel-ops.c`, wasm SIMD), run
 * there and copy the result back, which still beats tfjs-wasm's strided/broadcast loops by 2-10x.
 * Data movement is exact; arithmetic is one float32 operation per element (batch norm: three, with
 * the per-channel factor scale / sqrt(variance + epsilon) computed once in float64). Cases not
 * covered go to tfjs-wasm's own kernel (`native`).
 */

interface Args<I, A = Record<string, unknown>> {
  inputs: I;
  attrs: A;
  backend: BackendWasm;
}

/** Identity shares x's buffer (one more reference) instead of copying it, as tfjs's cpu backend does. */
export function createIdentityKernel(native: KernelConfig): KernelConfig {
  const kernelFunc = (args: Args<{ x: TensorInfo }>): TensorInfo => {
    const { x } = args.inputs;
    if (x.dtype === 'string' || x.dtype === 'complex64')
      return native.kernelFunc(args as never) as TensorInfo;
    args.backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
  return { kernelName: Identity, backendName: 'wasm', kernelFunc: kernelFunc as unknown as KernelFunc };
}

/** Cast to the dtype x already has is an Identity (tfjs's gradients cast float32 to float32 often). */
export function createCastKernel(native: KernelConfig): KernelConfig {
  const kernelFunc = (args: Args<{ x: TensorInfo }, { dtype: string }>): TensorInfo => {
    const { x } = args.inputs;
    if (args.attrs.dtype !== x.dtype || x.dtype === 'string' || x.dtype === 'complex64')
      return native.kernelFunc(args as never) as TensorInfo;
    args.backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
  return { kernelName: Cast, backendName: 'wasm', kernelFunc: kernelFunc as unknown as KernelFunc };
}

/** SplitV of float32 along any axis: [outer, size_i * inner] blocks copied in wasm SIMD. */
export function createSplitVKernel(native: KernelConfig): KernelConfig {
  const kernelFunc = (
    args: Args<{ x: TensorInfo }, { numOrSizeSplits: number | number[]; axis: number }>,
  ): TensorInfo[] => {
    const { inputs, attrs, backend } = args;
    const { x } = inputs;
    const n = util.sizeFromShape(x.shape);
    if (x.dtype !== 'float32' || n === 0) return native.kernelFunc(args as never) as TensorInfo[];
    const axis = util.parseAxisParam(attrs.axis, x.shape)[0];
    const sizes = backend_util.prepareSplitSize(x as never, attrs.numOrSizeSplits, axis);
    const outer = util.sizeFromShape(x.shape.slice(0, axis));
    const inner = util.sizeFromShape(x.shape.slice(axis + 1));
    const row = x.shape[axis] * inner;
    const k = modelsWasm();
    const [px, pout] = k.reserveF32(n, n);
    k.f32(px, n).set(heapF32(backend, x));
    const outs = sizes.map((s) => {
      const shape = x.shape.slice();
      shape[axis] = s;
      return backend.makeOutput(shape, 'float32');
    });
    let at = 0;
    outs.forEach((out, i) => {
      const len = sizes[i] * inner;
      if (len > 0) {
        k.fn.strided_copy_f32(pout, len, px + 4 * at, row, len, outer);
        heapF32(backend, out).set(k.f32(pout, len * outer));
      }
      at += len;
    });
    return outs;
  };
  return { kernelName: SplitV, backendName: 'wasm', kernelFunc: kernelFunc as unknown as KernelFunc };
}

/** Concat of two or more non-empty float32 tensors along any axis, copied in wasm SIMD. */
export function createConcatKernel(native: KernelConfig): KernelConfig {
  const kernelFunc = (args: Args<TensorInfo[], { axis: number }>): TensorInfo => {
    const { inputs, attrs, backend } = args;
    const list = Array.from(inputs);
    if (list.length < 2 || !list.every((t) => t.dtype === 'float32' && util.sizeFromShape(t.shape) > 0)) {
      return native.kernelFunc(args as never) as TensorInfo;
    }
    const axis = util.parseAxisParam(attrs.axis, list[0].shape)[0];
    const shapes = list.map((t) => t.shape);
    backend_util.assertParamsConsistent(shapes, axis);
    const outShape = backend_util.computeOutShape(shapes, axis);
    const outer = util.sizeFromShape(outShape.slice(0, axis));
    const row = util.sizeFromShape(outShape.slice(axis));
    const n = util.sizeFromShape(outShape);
    const k = modelsWasm();
    const [pin, pout] = k.reserveF32(n, n);
    let at = 0;
    for (const t of list) {
      const len = util.sizeFromShape(t.shape.slice(axis));
      k.f32(pin, n).set(heapF32(backend, t));
      k.fn.strided_copy_f32(pout + 4 * at, row, pin, len, len, outer);
      at += len;
    }
    const out = backend.makeOutput(outShape, 'float32');
    heapF32(backend, out).set(k.f32(pout, n));
    return out;
  };
  return { kernelName: Concat, backendName: 'wasm', kernelFunc: kernelFunc as unknown as KernelFunc };
}

/**
 * FusedBatchNorm with per-channel (last axis) parameters: (x - mean) * m + offset with
 * m = scale / sqrt(variance + epsilon) (float64, rounded once), in wasm SIMD. tfjs's cpu kernel
 * computes offset + (x - mean) * scale / sqrt(variance + epsilon) in float64: ~1e-7 apart.
 */
export function createFusedBatchNormKernel(native: KernelConfig): KernelConfig {
  const kernelFunc = (
    args: Args<
      { x: TensorInfo; mean: TensorInfo; variance: TensorInfo; offset?: TensorInfo; scale?: TensorInfo },
      { varianceEpsilon: number }
    >,
  ): TensorInfo => {
    const { inputs, attrs, backend } = args;
    const { x, mean, variance, offset, scale } = inputs;
    const c = x.shape[x.shape.length - 1];
    const n = util.sizeFromShape(x.shape);
    const params = [mean, variance, offset, scale].filter((t): t is TensorInfo => t != null);
    if (
      x.dtype !== 'float32' ||
      x.shape.length === 0 ||
      n === 0 ||
      !params.every((t) => t.dtype === 'float32' && util.sizeFromShape(t.shape) === c)
    ) {
      return native.kernelFunc(args as never) as TensorInfo;
    }
    const eps = attrs.varianceEpsilon ?? 0.001;
    const k = modelsWasm();
    const [px, pm, pmul, padd, pout] = k.reserveF32(n, c, c, c, n);
    k.f32(px, n).set(heapF32(backend, x));
    k.f32(pm, c).set(heapF32(backend, mean));
    const v = heapF32(backend, variance);
    const sc = scale ? heapF32(backend, scale) : null;
    const mul = k.f32(pmul, c);
    for (let i = 0; i < c; i++) mul[i] = (sc ? sc[i] : 1) / Math.sqrt(v[i] + eps);
    if (offset) k.f32(padd, c).set(heapF32(backend, offset));
    else k.f32(padd, c).fill(0);
    k.fn.channel_batch_norm_f32(px, pm, pmul, padd, pout, n, c);
    const out = backend.makeOutput(x.shape, 'float32');
    heapF32(backend, out).set(k.f32(pout, n));
    return out;
  };
  return { kernelName: FusedBatchNorm, backendName: 'wasm', kernelFunc: kernelFunc as unknown as KernelFunc };
}

type BinaryOp = 'Multiply' | 'Add' | 'Sub' | 'RealDiv';
const BINARY: Record<BinaryOp, string> = { Multiply, Add, Sub, RealDiv };
// channel_binary_f32 op codes: x (op) v, and for Sub/RealDiv v (op) x.
const OPCODE: Record<BinaryOp, [number, number]> = {
  Multiply: [0, 0],
  Add: [1, 1],
  Sub: [2, 4],
  RealDiv: [3, 5],
};

/** True when `other` holds one value per channel (last axis) of `full`: `[C]` or `[1, ..., 1, C]`. */
function perChannel(full: TensorInfo, other: TensorInfo): boolean {
  const c = full.shape[full.shape.length - 1];
  return (
    full.shape.length >= 2 &&
    other.shape.length >= 1 &&
    other.shape.length <= full.shape.length &&
    other.shape[other.shape.length - 1] === c &&
    util.sizeFromShape(other.shape) === c &&
    c > 1
  );
}

/**
 * Multiply / Add / Sub / RealDiv of a float32 tensor with a per-channel vector (batch-norm forward
 * and gradients): tfjs-wasm broadcasts index by index; this runs one SIMD pass. Same float32
 * operation per element, so identical results. Everything else goes to tfjs-wasm.
 */
export function createChannelBinaryKernel(op: BinaryOp, native: KernelConfig): KernelConfig {
  const kernelFunc = (args: Args<{ a: TensorInfo; b: TensorInfo }>): TensorInfo => {
    const { inputs, backend } = args;
    const { a, b } = inputs;
    const aFull = perChannel(a, b);
    const bFull = !aFull && perChannel(b, a);
    if (a.dtype !== 'float32' || b.dtype !== 'float32' || (!aFull && !bFull)) {
      return native.kernelFunc(args as never) as TensorInfo;
    }
    const full = aFull ? a : b;
    const c = full.shape[full.shape.length - 1];
    const n = util.sizeFromShape(full.shape);
    const k = modelsWasm();
    const [px, pv, pout] = k.reserveF32(n, c, n);
    k.f32(px, n).set(heapF32(backend, full));
    k.f32(pv, c).set(heapF32(backend, aFull ? b : a));
    k.fn.channel_binary_f32(px, pv, pout, n, c, OPCODE[op][aFull ? 0 : 1]);
    const out = backend.makeOutput(full.shape, 'float32');
    heapF32(backend, out).set(k.f32(pout, n));
    return out;
  };
  return { kernelName: BINARY[op], backendName: 'wasm', kernelFunc: kernelFunc as unknown as KernelFunc };
}
