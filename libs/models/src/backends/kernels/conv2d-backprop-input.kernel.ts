import {
  backend_util,
  Conv2DBackpropInput,
  type Conv2DBackpropInputAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { flipFilter, layoutDyForInputGrad } from './transposed-conv-layout.js';
import { withScratch } from './wasm-kernel-kit.js';

/**
 * Conv2DBackpropInput (dx of conv2d, NHWC) as ONE forward XNNPACK convolution of dy with the
 * spatially flipped, in/out-transposed filter. tfjs-wasm's own kernel is a naive loop
 * (~1.6-1.8 s at batch 16, 128x128, 16->32, 3x3), this is ~150 ms. Strided convs zero-interleave dy
 * first (s^2 more multiply-adds than needed, still far faster than the naive kernel).
 */
export function conv2dBackpropInput(args: {
  inputs: { dy: TensorInfo; filter: TensorInfo };
  attrs: Conv2DBackpropInputAttrs;
  backend: BackendWasm;
}): TensorInfo {
  const { inputs, attrs, backend } = args;
  const { dy, filter } = inputs;
  const info = backend_util.computeConv2DInfo(
    attrs.inputShape,
    filter.shape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  return withScratch(backend, (scratch) => {
    const flipped = flipFilter(backend, scratch, filter, true);
    const { input, pad } = layoutDyForInputGrad(backend, scratch, dy, info);
    return scratch.call(
      'Conv2D',
      { x: input, filter: flipped },
      { strides: 1, pad, dilations: 1, dataFormat: 'NHWC' },
    );
  });
}

/** Ours for NHWC; NCHW (which tfjs-wasm's forward Conv2D rejects anyway) stays with `native`. */
export function createConv2dBackpropInputKernel(native: KernelConfig | undefined): KernelConfig {
  const kernelFunc = (args: Parameters<typeof conv2dBackpropInput>[0]): TensorInfo => {
    if (args.attrs.dataFormat !== 'NCHW') return conv2dBackpropInput(args);
    if (!native) throw new Error('wasm Conv2DBackpropInput supports NHWC only');
    return native.kernelFunc(args as never) as TensorInfo;
  };
  return {
    kernelName: Conv2DBackpropInput,
    backendName: 'wasm',
    kernelFunc: kernelFunc as unknown as KernelFunc,
  };
}
