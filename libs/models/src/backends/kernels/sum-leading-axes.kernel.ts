import {
  Mean,
  Sum,
  util,
  type KernelConfig,
  type KernelFunc,
  type SumAttrs,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { modelsWasm } from './models-wasm.js';
import { heapF32 } from './wasm-kernel-kit.js';

/**
 * Sum (and Mean) for wasm with a fast path for reducing LEADING axes of a float32 tensor, e.g. the
 * bias gradient sum(dy, [0,1,2]) of every conv/dense layer and the batch statistics of batch norm.
 * tfjs-wasm transposes the reduced axes to the end first (a full copy: ~50 ms at 16x128x128x32); a
 * column sum over the [outer, inner] view (`column-sum.c`, wasm SIMD) reads the data once and
 * accumulates in float64, like tfjs's cpu kernel. Every other case goes to tfjs-wasm's own kernel,
 * passed in as `fallback`.
 */
export function createSumKernel(fallback: KernelConfig): KernelConfig {
  return createLeadingReduceKernel(Sum, fallback, false);
}

/** Mean = the float64 column sum divided by the count, rounded once to float32. */
export function createMeanKernel(fallback: KernelConfig): KernelConfig {
  return createLeadingReduceKernel(Mean, fallback, true);
}

function createLeadingReduceKernel(kernelName: string, fallback: KernelConfig, mean: boolean): KernelConfig {
  const kernelFunc = (args: {
    inputs: { x: TensorInfo };
    attrs: SumAttrs;
    backend: BackendWasm;
  }): TensorInfo => {
    const { inputs, attrs, backend } = args;
    const { x } = inputs;
    const axes = util.parseAxisParam(attrs.axis, x.shape);
    const lead = leadingCount(axes);
    if (x.dtype !== 'float32' || lead === 0 || lead >= x.shape.length) {
      return fallback.kernelFunc(args as never) as TensorInfo;
    }
    const inner = util.sizeFromShape(x.shape.slice(lead));
    const outer = util.sizeFromShape(x.shape.slice(0, lead));
    const shape = attrs.keepDims
      ? [...x.shape.slice(0, lead).map(() => 1), ...x.shape.slice(lead)]
      : x.shape.slice(lead);
    const sums = modelsWasm().columnSums(heapF32(backend, x), outer, inner);
    const out = backend.makeOutput(shape, 'float32');
    const dst = heapF32(backend, out);
    if (mean) for (let c = 0; c < inner; c++) dst[c] = sums[c] / outer;
    else dst.set(sums);
    return out;
  };
  return { kernelName, backendName: 'wasm', kernelFunc: kernelFunc as unknown as KernelFunc };
}

/** k when `axes` is exactly {0..k-1}, else 0. */
function leadingCount(axes: number[]): number {
  const sorted = [...new Set(axes)].sort((a, b) => a - b);
  return sorted.every((a, i) => a === i) ? sorted.length : 0;
}
