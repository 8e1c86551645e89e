// Side effects: tfjs-wasm registers its own kernels (some of which we replace), and the union
// package registers tfjs-core's gradient functions, without which no backend can train.
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs';
import { getKernel, registerKernel, unregisterKernel, type KernelConfig } from '@tensorflow/tfjs-core';
import { conv2dBackpropFilterConfig } from './kernels/conv2d-backprop-filter.kernel.js';
import { createConv2dBackpropInputKernel } from './kernels/conv2d-direct.kernel.js';
import { createConv2DKernel, createFusedConv2DKernel } from './kernels/conv2d-forward.kernel.js';
import { depthwiseConv2dBackpropFilterConfig } from './kernels/depthwise-conv2d-backprop-filter.kernel.js';
import { depthwiseConv2dBackpropInputConfig } from './kernels/depthwise-conv2d-backprop-input.kernel.js';
import { maxPoolGradConfig } from './kernels/max-pool-grad.kernel.js';
import {
  createCastKernel,
  createChannelBinaryKernel,
  createConcatKernel,
  createFusedBatchNormKernel,
  createIdentityKernel,
  createSplitVKernel,
} from './kernels/layout-fast.kernel.js';
import { createSliceKernel } from './kernels/slice-rows.kernel.js';
import { createMeanKernel, createSumKernel } from './kernels/sum-leading-axes.kernel.js';
import { createTileKernel } from './kernels/tile-broadcast.kernel.js';

/**
 * Training kernels for the tfjs 'wasm' backend (NHWC), and the forward convs that inference runs
 * (Conv2D, FusedConv2D: their gradients are composed from other kernels, so training is unaffected).
 * - `missing`: tfjs-wasm 4.22 has none, so `fit()` of a conv net fails without it.
 * - `faster`: tfjs-wasm has one; ours won in bench-kernels.ts (numbers in the README). `create`
 *   receives tfjs-wasm's own config, for kernels that delegate the cases they do not speed up.
 */
export interface TrainingKernel {
  kernelName: string;
  role: 'missing' | 'faster';
  create(native: KernelConfig | undefined): KernelConfig;
}

export const TRAINING_KERNELS: readonly TrainingKernel[] = [
  { kernelName: 'Conv2DBackpropFilter', role: 'missing', create: () => conv2dBackpropFilterConfig },
  {
    kernelName: 'DepthwiseConv2dNativeBackpropFilter',
    role: 'missing',
    create: () => depthwiseConv2dBackpropFilterConfig,
  },
  {
    kernelName: 'DepthwiseConv2dNativeBackpropInput',
    role: 'missing',
    create: () => depthwiseConv2dBackpropInputConfig,
  },
  {
    kernelName: 'Conv2DBackpropInput',
    role: 'faster',
    create: (native) => createConv2dBackpropInputKernel(native),
  },
  { kernelName: 'Conv2D', role: 'faster', create: (native) => createConv2DKernel(required(native, 'Conv2D')) },
  {
    kernelName: 'FusedConv2D',
    role: 'faster',
    create: (native) => createFusedConv2DKernel(required(native, 'FusedConv2D')),
  },
  { kernelName: 'MaxPoolGrad', role: 'faster', create: () => maxPoolGradConfig },
  { kernelName: 'Sum', role: 'faster', create: (native) => createSumKernel(required(native, 'Sum')) },
  { kernelName: 'Tile', role: 'faster', create: (native) => createTileKernel(required(native, 'Tile')) },
  { kernelName: 'Mean', role: 'faster', create: (native) => createMeanKernel(required(native, 'Mean')) },
  {
    kernelName: 'Identity',
    role: 'faster',
    create: (native) => createIdentityKernel(required(native, 'Identity')),
  },
  { kernelName: 'Cast', role: 'faster', create: (native) => createCastKernel(required(native, 'Cast')) },
  {
    kernelName: 'SplitV',
    role: 'faster',
    create: (native) => createSplitVKernel(required(native, 'SplitV')),
  },
  {
    kernelName: 'Concat',
    role: 'faster',
    create: (native) => createConcatKernel(required(native, 'Concat')),
  },
  { kernelName: 'Slice', role: 'faster', create: (native) => createSliceKernel(required(native, 'Slice')) },
  {
    kernelName: 'FusedBatchNorm',
    role: 'faster',
    create: (native) => createFusedBatchNormKernel(required(native, 'FusedBatchNorm')),
  },
  ...(['Multiply', 'Add', 'Sub', 'RealDiv'] as const).map((op): TrainingKernel => ({
    kernelName: op,
    role: 'faster',
    create: (native) => createChannelBinaryKernel(op, required(native, op)),
  })),
];

export interface TrainingKernelsReport {
  /** Kernels now served by ROPline's implementation. */
  ours: string[];
  /** Kernels served by tfjs-wasm's own implementation. */
  native: string[];
}

// Per kernel name: tfjs-wasm's own config (absent for missing kernels) and ours, built once.
const natives = new Map<string, KernelConfig | undefined>();
const ours = new Map<string, KernelConfig>();

/**
 * Registers the training kernels on 'wasm'. With `faster: false` only the missing ones are ours
 * and tfjs-wasm's own implementations are (re)installed for the rest: that is the "wasm-default"
 * variant of the benchmark. Idempotent; callable before or after the wasm backend starts, since
 * none of these kernels needs a setup step (the native kernels they call were set up by tfjs).
 */
export function registerTrainingKernels(options: { faster?: boolean } = {}): TrainingKernelsReport {
  const faster = options.faster ?? true;
  const report: TrainingKernelsReport = { ours: [], native: [] };
  for (const k of TRAINING_KERNELS) {
    const name = k.kernelName;
    const current = getKernel(name, 'wasm');
    if (!ours.has(name)) {
      natives.set(name, current);
      // Carry the native setup (cwrap of its wasm export): tfjs runs setups only for the configs
      // registered when the backend starts, and ours may delegate to or be swapped back for it.
      ours.set(name, { ...k.create(current), setupFunc: current?.setupFunc });
    }
    const mine = ours.get(name) as KernelConfig;
    const native = natives.get(name);
    const wanted = k.role === 'missing' || faster ? mine : native;
    if (wanted && current?.kernelFunc !== wanted.kernelFunc) {
      if (current) unregisterKernel(name, 'wasm');
      registerKernel(wanted);
    }
    (wanted === mine ? report.ours : report.native).push(name);
  }
  return report;
}

function required(config: KernelConfig | undefined, name: string): KernelConfig {
  if (!config)
    throw new Error(`tfjs-wasm has no ${name} kernel to fall back on; is the wasm backend imported?`);
  return config;
}
