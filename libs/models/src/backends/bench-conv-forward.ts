/**
 * Forward-conv micro-benchmark: ROPline's wasm conv kernels (conv2d-forward.kernel.ts; plain SIMD
 * and, where the runtime has it, relaxed-SIMD FMA) against tfjs-wasm's own FusedConv2D (XNNPACK,
 * re-registered for the run) on the conv layers of the U-Net (depth 4, 16 filters, 304x304 after
 * padding) and Inception v3 (299x299), bias + ReLU, batch 1. Ours run Winograd F(2x2, 3x3) and,
 * in the `-f4` columns, F(4x4, 3x3) on 3x3 stride 1, else the direct conv; "routed" is what the
 * registered kernel runs with FMA. Filters are prepared once per weight tensor (filter-cache.ts),
 * as in inference. Per shape the variants alternate within each round; the table gives XNNPACK's
 * best time and each variant's best as a ratio to it (< 1: ours is faster), GFLOP/s (direct-conv
 * FLOPs) of the fastest and the max relative difference to XNNPACK's output.
 * Run: nice npx tsx libs/models/src/backends/bench-conv-forward.ts [--rounds 5] [--filter unet]
 */
import * as tf from '@tensorflow/tfjs';
import { FusedConv2D, getKernel, type KernelConfig, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { initBackend } from './init-backend.js';
import { relativeError } from './kernel-parity.fixture.js';
import { registerTrainingKernels } from './register-training-kernels.js';
import { conv2dForward, forwardMethod, type ForwardMethod } from './kernels/conv2d-forward.kernel.js';
import { convInfo } from './kernels/conv-input.js';
import { relaxedSimdAvailable, useModelsWasm, type ModelsWasmVariant } from './kernels/models-wasm.js';

const args = process.argv.slice(2);
const opt = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const ROUNDS = Number(opt('rounds') ?? 5);
const FILTER = opt('filter') ?? '';

/** [name, H, W, Cin, Cout, kh, kw, stride, pad] */
type Shape = [string, number, number, number, number, number, number, number, 'same' | 'valid'];
const SHAPES: Shape[] = [
  ['unet 304 1->16 3x3', 304, 304, 1, 16, 3, 3, 1, 'same'],
  ['unet 304 16->16 3x3', 304, 304, 16, 16, 3, 3, 1, 'same'],
  ['unet 152 32->32 3x3', 152, 152, 32, 32, 3, 3, 1, 'same'],
  ['unet 76 64->64 3x3', 76, 76, 64, 64, 3, 3, 1, 'same'],
  ['unet 38 128->128 3x3', 38, 38, 128, 128, 3, 3, 1, 'same'],
  ['unet 19 256->256 3x3', 19, 19, 256, 256, 3, 3, 1, 'same'],
  ['unet 304 32->16 3x3', 304, 304, 32, 16, 3, 3, 1, 'same'],
  ['unet 304 16->1 1x1', 304, 304, 16, 1, 1, 1, 1, 'same'],
  ['incep 299 1->32 3x3/2', 299, 299, 1, 32, 3, 3, 2, 'valid'],
  ['incep 149 32->32 3x3', 149, 149, 32, 32, 3, 3, 1, 'valid'],
  ['incep 147 32->64 3x3', 147, 147, 32, 64, 3, 3, 1, 'same'],
  ['incep 73 64->80 1x1', 73, 73, 64, 80, 1, 1, 1, 'valid'],
  ['incep 73 80->192 3x3', 73, 73, 80, 192, 3, 3, 1, 'valid'],
  ['incep 35 192->64 1x1', 35, 35, 192, 64, 1, 1, 1, 'same'],
  ['incep 35 48->64 5x5', 35, 35, 48, 64, 5, 5, 1, 'same'],
  ['incep 35 64->96 3x3', 35, 35, 64, 96, 3, 3, 1, 'same'],
  ['incep 35 288->384 3x3/2', 35, 35, 288, 384, 3, 3, 2, 'valid'],
  ['incep 17 768->192 1x1', 17, 17, 768, 192, 1, 1, 1, 'same'],
  ['incep 17 128->128 1x7', 17, 17, 128, 128, 1, 7, 1, 'same'],
  ['incep 17 160->192 7x1', 17, 17, 160, 192, 7, 1, 1, 'same'],
  ['incep 17 192->320 3x3/2', 17, 17, 192, 320, 3, 3, 2, 'valid'],
  ['incep 8 1280->320 1x1', 8, 8, 1280, 320, 1, 1, 1, 'same'],
  ['incep 8 384->384 1x3', 8, 8, 384, 384, 1, 3, 1, 'same'],
  ['incep 8 448->384 3x3', 8, 8, 448, 384, 3, 3, 1, 'same'],
];

async function main(): Promise<void> {
  await initBackend({ backend: 'wasm' }, { log: () => undefined });
  const backend = tf.backend() as BackendWasm;
  // initBackend registers ROPline's kernels; put tfjs-wasm's own back to time them.
  registerTrainingKernels({ faster: false });
  const native = getKernel(FusedConv2D, 'wasm') as KernelConfig;
  const variants: ModelsWasmVariant[] = relaxedSimdAvailable() ? ['simd', 'relaxed'] : ['simd'];
  // [label, build, F(4x4, 3x3) instead of F(2x2, 3x3)]: the F(4x4) columns only for 3x3 stride 1.
  const columns: [string, ModelsWasmVariant, boolean][] = variants.flatMap((v): [string, ModelsWasmVariant, boolean][] => [
    [v, v, false],
    [`${v}-f4`, v, true],
  ]);
  console.log(`variants: xnnpack, ${columns.map(([l]) => l).join(', ')}; ${ROUNDS} rounds`);
  console.log(
    'shape                          routed    xnnpack ms' +
      columns.map(([l]) => `${l}/xnn`.padStart(15)).join('') +
      '  GFLOP/s  max rel diff',
  );
  for (const [name, h, w, cin, cout, kh, kw, s, pad] of SHAPES) {
    if (!name.includes(FILTER)) continue;
    const x = tf.randomNormal([1, h, w, cin]);
    const filter = tf.randomNormal([kh, kw, cin, cout], 0, Math.sqrt(2 / (kh * kw * cin)));
    const bias = tf.randomNormal([cout], 0, 0.1);
    const attrs = { strides: s, pad, dataFormat: 'NHWC', dilations: 1, activation: 'relu' };
    const inputs = { x, filter, bias };
    const info = convInfo(x.shape, filter, attrs);
    const winograd = kh === 3 && kw === 3 && s === 1;
    const ours = (v: ModelsWasmVariant, method: ForwardMethod) => () => {
      useModelsWasm(v);
      return conv2dForward(backend, x, filter, bias, info, [0, Infinity], method);
    };
    const fns: [string, () => TensorInfo][] = [
      ['xnnpack', () => native.kernelFunc({ inputs, attrs, backend } as never) as TensorInfo],
      ...columns.flatMap(([label, v, f4]): [string, () => TensorInfo][] =>
        f4 && !winograd ? [] : [[label, ours(v, f4 ? 'winograd4' : winograd ? 'winograd' : 'direct')]],
      ),
    ];
    const best = new Map<string, number>();
    const outs = new Map<string, Float32Array>();
    for (let r = 0; r < ROUNDS + 1; r++) {
      for (const [label, fn] of fns) {
        const t0 = performance.now();
        const out = fn();
        const ms = performance.now() - t0;
        if (r === 0) outs.set(label, (backend.readSync(out.dataId) as Float32Array).slice());
        else best.set(label, Math.min(best.get(label) ?? Infinity, ms));
        backend.disposeData(out.dataId);
      }
    }
    const ho = pad === 'same' ? Math.ceil(h / s) : Math.floor((h - kh) / s) + 1;
    const wo = pad === 'same' ? Math.ceil(w / s) : Math.floor((w - kw) / s) + 1;
    const gflop = (2 * ho * wo * cout * kh * kw * cin) / 1e9;
    const xnn = best.get('xnnpack') as number;
    const fastest = Math.min(...best.values());
    const ran = columns.map(([l]) => l).filter((l) => best.has(l));
    const diff = Math.max(...ran.map((l) => relativeError(outs.get(l) as Float32Array, outs.get('xnnpack') as Float32Array)));
    console.log(
      `${name.padEnd(30)} ${(forwardMethod(info, true) ?? 'xnnpack').padEnd(9)} ${xnn.toFixed(2).padStart(10)}` +
        columns.map(([l]) => (best.has(l) ? ((best.get(l) as number) / xnn).toFixed(2) : '-').padStart(15)).join('') +
        `  ${(gflop / (fastest / 1000)).toFixed(1).padStart(7)}  ${diff.toExponential(1)}`,
    );
    tf.dispose([x, filter, bias]);
  }
}

void main();
