import {
  getKernel,
  type NamedAttrMap,
  type NamedTensorInfoMap,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/**
 * Helpers for kernels composed from other wasm kernels. They call the registered kernel functions
 * directly (as tfjs's own composite kernels do), not `tf.*` ops: nothing is tracked by the engine,
 * nothing lands on a gradient tape, and every intermediate is freed with `backend.disposeData`.
 * Ownership rule: each TensorInfo returned by `call` holds one reference that a `Scratch` releases.
 */

/** Runs the kernel `name` registered for 'wasm'; the caller owns the returned TensorInfo. */
export function callWasmKernel(
  backend: BackendWasm,
  name: string,
  inputs: NamedTensorInfoMap,
  attrs: NamedAttrMap = {},
): TensorInfo {
  const kernel = getKernel(name, 'wasm');
  if (!kernel) throw new Error(`wasm kernel ${name} is not registered`);
  const out = kernel.kernelFunc({ inputs, attrs, backend });
  return Array.isArray(out) ? out[0] : out;
}

/** Collects intermediates of one kernel invocation and releases them together. */
export class Scratch {
  private readonly owned: TensorInfo[] = [];
  constructor(private readonly backend: BackendWasm) {}

  call(name: string, inputs: NamedTensorInfoMap, attrs: NamedAttrMap = {}): TensorInfo {
    return this.track(callWasmKernel(this.backend, name, inputs, attrs));
  }

  /** Allocates an uninitialised float32 tensor on the wasm heap (fill it before use). */
  alloc(shape: number[]): TensorInfo {
    return this.track(this.backend.makeOutput(shape, 'float32'));
  }

  track(info: TensorInfo): TensorInfo {
    this.owned.push(info);
    return info;
  }

  /** Releases every intermediate except `result`, which the caller hands to the engine. */
  disposeAllBut(result?: TensorInfo): void {
    for (const t of this.owned) if (t !== result) this.backend.disposeData(t.dataId);
    this.owned.length = 0;
  }
}

/**
 * Runs `body` with a fresh Scratch and releases every intermediate it tracked except the result,
 * also when `body` throws. `body` must return a tensor it allocated, never one of its inputs.
 */
export function withScratch(backend: BackendWasm, body: (s: Scratch) => TensorInfo): TensorInfo {
  const scratch = new Scratch(backend);
  let result: TensorInfo | undefined;
  try {
    result = body(scratch);
    return result;
  } finally {
    scratch.disposeAllBut(result);
  }
}

/**
 * A live float32 view of a tensor on the wasm heap. Take views only after the last allocation of
 * the kernel: growing the heap detaches earlier views.
 */
export function heapF32(backend: BackendWasm, t: TensorInfo): Float32Array {
  if (t.dtype !== 'float32') throw new Error(`expected float32, got ${t.dtype}`);
  return backend.typedArrayFromHeap(t) as Float32Array;
}

/** Normalises a scalar-or-pair attribute (`strides`, `dilations`) to [height, width]. */
export function pair(v: number | [number, number] | undefined, fallback = 1): [number, number] {
  if (v === undefined || v === null) return [fallback, fallback];
  return typeof v === 'number' ? [v, v] : [v[0], v[1]];
}
