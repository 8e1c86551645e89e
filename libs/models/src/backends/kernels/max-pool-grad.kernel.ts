import {
  backend_util,
  MaxPoolGrad,
  util,
  type KernelConfig,
  type KernelFunc,
  type MaxPoolGradAttrs,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { modelsWasm } from './models-wasm.js';
import { heapF32 } from './wasm-kernel-kit.js';

/**
 * MaxPoolGrad for wasm (NHWC float32), one pass over the pooling windows in ROPline's wasm SIMD
 * module (`libs/models/wasm/max-pool-grad.c`; 4 channels at a time when windows do not overlap).
 *
 * Why: tfjs-wasm's kernel loops over every input pixel and re-derives the arg-max of each window
 * covering it (~300-425 ms at 16x128x128x32); the former TypeScript version of this one ~50 ms.
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
  return maxPoolGradSimd(backend, x, y, dy, info);
}

function maxPoolGradSimd(
  backend: BackendWasm,
  x: TensorInfo,
  y: TensorInfo,
  dy: TensorInfo,
  info: backend_util.Conv2DInfo,
): TensorInfo {
  const nx = util.sizeFromShape(x.shape);
  const ny = util.sizeFromShape(y.shape);
  const k = modelsWasm();
  const [px, py, pdy, pdx] = k.reserveF32(nx, ny, ny, nx);
  k.f32(px, nx).set(heapF32(backend, x));
  k.f32(py, ny).set(heapF32(backend, y));
  k.f32(pdy, ny).set(heapF32(backend, dy));
  k.f32(pdx, nx).fill(0);
  k.fn.max_pool_grad_f32(
    px,
    py,
    pdy,
    pdx,
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.outHeight,
    info.outWidth,
    info.strideHeight,
    info.strideWidth,
    info.effectiveFilterHeight,
    info.effectiveFilterWidth,
    info.padInfo.top,
    info.padInfo.left,
  );
  const dx = backend.makeOutput(x.shape, 'float32');
  heapF32(backend, dx).set(k.f32(pdx, nx));
  return dx;
}

export const maxPoolGradConfig: KernelConfig = {
  kernelName: MaxPoolGrad,
  backendName: 'wasm',
  kernelFunc: maxPoolGrad as unknown as KernelFunc,
};
