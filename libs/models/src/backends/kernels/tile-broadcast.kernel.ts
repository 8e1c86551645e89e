import {
  Tile,
  util,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
  type TileAttrs,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapF32 } from './wasm-kernel-kit.js';

/**
 * Tile for wasm with a fast path for the broadcast case that tfjs's batch-norm gradient produces:
 * a per-channel vector reshaped to [1, 1, 1, C] tiled to [N, H, W, 1]. When every axis that is
 * repeated comes before all the others and has size 1 in x (or only axis 0 repeats), the output is x's data
 * repeated prod(reps) times: one copy, then doubling `copyWithin` (memcpy) instead of tfjs-wasm's
 * per-element index arithmetic (~35 % of a U-Net training step before this kernel). Exact: it only
 * moves values. Every other case goes to tfjs-wasm's own Tile, passed in as `fallback`.
 */
export function createTileKernel(fallback: KernelConfig): KernelConfig {
  const kernelFunc = (args: {
    inputs: { x: TensorInfo };
    attrs: TileAttrs;
    backend: BackendWasm;
  }): TensorInfo => {
    const { inputs, attrs, backend } = args;
    const { x } = inputs;
    const reps = attrs.reps;
    const copies = repeatedBlockCount(x.shape, reps);
    if (x.dtype !== 'float32' || copies === 0) return fallback.kernelFunc(args as never) as TensorInfo;
    const outShape = x.shape.map((d, i) => d * reps[i]);
    const out = backend.makeOutput(outShape, 'float32');
    const block = util.sizeFromShape(x.shape);
    const dst = heapF32(backend, out);
    dst.set(heapF32(backend, x).subarray(0, block));
    for (let filled = block, total = block * copies; filled < total; filled *= 2) {
      dst.copyWithin(filled, 0, Math.min(filled, total - filled));
    }
    return out;
  };
  return { kernelName: Tile, backendName: 'wasm', kernelFunc: kernelFunc as unknown as KernelFunc };
}

/**
 * How many times x's whole buffer repeats in the output when the tile is a leading broadcast (the
 * repeated axes form a prefix and all have size 1 in x, or only axis 0 repeats); 0 otherwise.
 */
export function repeatedBlockCount(shape: readonly number[], reps: readonly number[]): number {
  if (shape.length === 0 || reps.length !== shape.length) return 0;
  let last = -1;
  for (let i = 0; i < reps.length; i++) if (reps[i] !== 1) last = i;
  if (last < 0) return 1;
  for (let i = 0; i <= last; i++) {
    if (reps[i] < 1) return 0;
    if (last > 0 && shape[i] !== 1) return 0;
  }
  let copies = 1;
  for (let i = 0; i <= last; i++) copies *= reps[i];
  return copies;
}
