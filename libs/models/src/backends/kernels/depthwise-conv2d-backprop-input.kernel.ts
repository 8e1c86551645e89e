import {
  backend_util,
  DepthwiseConv2dNativeBackpropInput,
  type DepthwiseConv2dNativeBackpropInputAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { flipFilter, layoutDyForInputGrad } from './transposed-conv-layout.js';
import { withScratch } from './wasm-kernel-kit.js';

/**
 * DepthwiseConv2dNativeBackpropInput (dx of a depthwise conv, NHWC), missing from tfjs-wasm.
 *
 * With filter [kh,kw,C,M] the forward output channel c*M+m only reads input channel c, so
 * dx[c] = sum_m correlate(dy'[c*M+m], flip(w)[c,m]): one XNNPACK depthwise conv (multiplier 1) over
 * the C*M channels of the zero-interleaved/padded dy' with the flipped filter viewed as
 * [kh,kw,C*M,1] (same memory), keeping the forward dilation, then a sum over m when M > 1.
 */
export function depthwiseConv2dBackpropInput(args: {
  inputs: { dy: TensorInfo; filter: TensorInfo };
  attrs: DepthwiseConv2dNativeBackpropInputAttrs;
  backend: BackendWasm;
}): TensorInfo {
  const { inputs, attrs, backend } = args;
  const { dy, filter } = inputs;
  const [kh, kw, c, m] = filter.shape;
  const info = backend_util.computeConv2DInfo(
    attrs.inputShape,
    filter.shape as [number, number, number, number],
    attrs.strides,
    attrs.dilations,
    attrs.pad,
    attrs.dimRoundingMode,
    true,
  );
  return withScratch(backend, (scratch) => {
    const flipped = flipFilter(backend, scratch, filter, false);
    const flat = { ...flipped, shape: [kh, kw, c * m, 1] }; // a view: same dataId, no new reference
    const { input, pad } = layoutDyForInputGrad(backend, scratch, dy, info);
    const perChannel = scratch.call(
      'DepthwiseConv2dNative',
      { x: input, filter: flat },
      { strides: 1, pad, dilations: [info.dilationHeight, info.dilationWidth] },
    );
    if (m === 1) return perChannel;
    const [b, h, w] = perChannel.shape;
    const grouped = { ...perChannel, shape: [b, h, w, c, m] };
    return scratch.call('Sum', { x: grouped }, { axis: [4], keepDims: false });
  });
}

export const depthwiseConv2dBackpropInputConfig: KernelConfig = {
  kernelName: DepthwiseConv2dNativeBackpropInput,
  backendName: 'wasm',
  kernelFunc: depthwiseConv2dBackpropInput as unknown as KernelFunc,
};
