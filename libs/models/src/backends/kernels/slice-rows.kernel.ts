import { Slice, slice_util, util, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/**
 * Slice that copies whole runs. tfjs-wasm 4.22 copies a non-contiguous slice one innermost row
 * (the last axis) at a time, e.g. 89k copies of 4 floats for the U-Net's output crop
 * [1, 299, 304, 4] -> [1, 299, 299, 4] (~29 ms). Here the trailing axes that the slice keeps
 * whole merge with the last cut axis into one run (299 * 4 floats in that crop), copied with one
 * `TypedArray.set` each. Exact (data movement only). Contiguous slices, runs shorter than
 * MIN_RUN elements and string tensors go to tfjs-wasm's own kernel.
 */

/** Shorter runs gain nothing over tfjs-wasm's row loop. */
const MIN_RUN = 16;

/** The slice as `outer` index space x one contiguous run, or null when it does not pay. */
export function sliceRuns(
  shape: number[],
  begin: number[],
  size: number[],
): { outerShape: number[]; run: number; offset: number; strides: number[] } | null {
  const rank = shape.length;
  let cut = rank - 1;
  while (cut >= 0 && begin[cut] === 0 && size[cut] === shape[cut]) cut--;
  if (cut < 0) return null;
  const strides = [...util.computeStrides(shape), 1];
  const run = size[cut] * strides[cut];
  if (run < MIN_RUN) return null;
  const offset = begin.reduce((a, b, i) => a + b * strides[i], 0);
  return { outerShape: size.slice(0, cut), run, offset, strides: strides.slice(0, cut) };
}

interface SliceArgs {
  inputs: { x: TensorInfo };
  attrs: { begin: number | number[]; size: number | number[] };
  backend: BackendWasm;
}

export function createSliceKernel(native: KernelConfig): KernelConfig {
  const kernelFunc = (args: SliceArgs): TensorInfo => {
    const { inputs, attrs, backend } = args;
    const { x } = inputs;
    const [begin, size] = slice_util.parseSliceParams(x as never, attrs.begin, attrs.size);
    const plan =
      x.dtype !== 'string' && !slice_util.isSliceContinous(x.shape, begin, size) ? sliceRuns(x.shape, begin, size) : null;
    if (!plan) return native.kernelFunc(args as never) as TensorInfo;
    const out = backend.makeOutput(size, x.dtype);
    const src = backend.typedArrayFromHeap(x);
    const dst = backend.typedArrayFromHeap(out);
    const { outerShape, run, offset, strides } = plan;
    const outer = util.sizeFromShape(outerShape);
    const index = outerShape.map(() => 0);
    for (let r = 0; r < outer; r++) {
      let s = offset;
      for (let i = 0; i < index.length; i++) s += index[i] * strides[i];
      dst.set(src.subarray(s, s + run), r * run);
      for (let i = index.length - 1; i >= 0 && ++index[i] === outerShape[i]; i--) index[i] = 0;
    }
    return out;
  };
  return { kernelName: Slice, backendName: 'wasm', kernelFunc: kernelFunc as unknown as KernelFunc };
}
