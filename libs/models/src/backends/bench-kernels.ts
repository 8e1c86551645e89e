/**
 * Training-step micro-benchmark: batch 16, 128x128, 16->32 channels, 3x3 conv (same) + bias +
 * ReLU + 2x2 max-pool, gradients for x, w and b (a middle layer of a CNN), in ms per step:
 *   wasm+ropline  tfjs-wasm with all of ROPline's training kernels
 *   wasm-default  tfjs-wasm's own kernels, plus only the kernels it lacks (else fit() fails)
 *   cpu           tfjs's JavaScript backend (batch --cpu-batch, scaled linearly to 16)
 *   torch         PyTorch CPU via /usr/bin/python3 (1 thread, and all cores), when importable
 * Run: npx tsx libs/models/src/backends/bench-kernels.ts [--iters 5] [--rounds 2] [--cpu-batch 1] [--no-torch]
 */
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { initBackend } from './init-backend.js';
import { registerTrainingKernels } from './register-training-kernels.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const ITERS = flag('iters', 5);
const WARMUP = flag('warmup', 2);
const CPU_BATCH = flag('cpu-batch', 1);
const ROUNDS = flag('rounds', 2);
const B = 16;
const quiet = { log: () => undefined };

function makeStep(batch: number) {
  const x = tf.randomNormal([batch, 128, 128, 16]);
  const w = tf.randomNormal([3, 3, 16, 32], 0, 0.1);
  const b = tf.zeros([32]);
  const g = tf.randomNormal([batch, 64, 64, 32]);
  const loss = (xv: tf.Tensor, wv: tf.Tensor, bv: tf.Tensor) =>
    tf.mean(
      tf.mul(
        tf.maxPool(
          tf.relu(tf.add(tf.conv2d(xv as tf.Tensor4D, wv as tf.Tensor4D, 1, 'same'), bv)),
          2,
          2,
          'valid',
        ),
        g,
      ),
    );
  const step = () => {
    const grads = tf.grads(loss)([x, w, b]);
    grads[1].dataSync(); // wasm and cpu run synchronously; reading dw makes that explicit
    tf.dispose(grads);
  };
  return { step, dispose: () => tf.dispose([x, w, b, g]) };
}

/** Per-step times (ms) of `iters` steps after `warmup`. */
function timeSteps(step: () => void, iters: number, warmup: number): number[] {
  for (let i = 0; i < warmup; i++) step();
  const times: number[] = [];
  for (let i = 0; i < iters; i++) {
    const start = performance.now();
    step();
    times.push(performance.now() - start);
  }
  return times;
}

/**
 * Best and median of all samples. The 2 cores are shared with other processes, so the best step
 * is the estimate of the unloaded speed, and ratios use it; the median shows the spread.
 */
interface Timing {
  best: number;
  median: number;
}
function summarize(times: number[]): Timing {
  const sorted = [...times].sort((a, b) => a - b);
  return { best: sorted[0], median: sorted[Math.floor(sorted.length / 2)] };
}

async function kernelBreakdown(step: () => void): Promise<string> {
  const profile = await tf.profile(step);
  const byKernel = new Map<string, number>();
  for (const k of profile.kernels) byKernel.set(k.name, (byKernel.get(k.name) ?? 0) + Number(k.kernelTimeMs));
  return [...byKernel]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 8)
    .map(([name, ms]) => `${name} ${ms.toFixed(0)}`)
    .join(', ');
}

function torchSteps(threads: number): number[] | string {
  const script = fileURLToPath(new URL('./bench-torch-step.py', import.meta.url));
  const run = spawnSync('/usr/bin/python3', [script, String(threads), String(ITERS), String(WARMUP)], {
    encoding: 'utf8',
    timeout: 600_000,
  });
  if (run.status !== 0)
    return `unavailable (${(run.stderr || run.error?.message || '').trim().split('\n').pop()})`;
  return (JSON.parse(run.stdout.trim().split('\n').pop() as string) as { times: number[] }).times;
}

// Rounds alternate ROPline's wasm step with the PyTorch runs, so that load from other processes
// hits both alike; the slow variants (wasm-default, cpu) run once.
const samples = new Map<string, number[]>();
const notes = new Map<string, string>();
const add = (variant: string, times: number[], note = '') => {
  samples.set(variant, [...(samples.get(variant) ?? []), ...times]);
  if (note) notes.set(variant, note);
};
const cores = availableParallelism();
const torchThreads = args.includes('--no-torch') ? [] : [...new Set([1, cores])];
for (let round = 0; round < ROUNDS; round++) {
  await initBackend({ backend: 'wasm' }, quiet);
  for (const [variant, faster] of [
    ['wasm+ropline', true],
    ['wasm-default', false],
  ] as const) {
    if (round > 0 && !faster) continue;
    registerTrainingKernels({ faster });
    const { step, dispose } = makeStep(B);
    add(variant, timeSteps(step, ITERS, WARMUP), `1 thread; kernels (ms): ${await kernelBreakdown(step)}`);
    dispose();
  }
  registerTrainingKernels();
  for (const threads of torchThreads) {
    const times = torchSteps(threads);
    const variant = `torch ${threads} thread${threads > 1 ? 's' : ''}`;
    if (typeof times === 'string') notes.set(variant, times);
    else add(variant, times, 'PyTorch CPU, NCHW');
  }
}

await initBackend({ backend: 'cpu' }, quiet);
{
  const { step, dispose } = makeStep(CPU_BATCH);
  add(
    'cpu',
    timeSteps(step, 1, 0).map((ms) => (ms * B) / CPU_BATCH),
    CPU_BATCH === B ? '' : `batch ${CPU_BATCH}, x${B / CPU_BATCH}`,
  );
  dispose();
}

const torch1 = samples.get('torch 1 thread');
const base = torch1 ? summarize(torch1).best : undefined;
console.log(
  `training step, batch ${B}, 128x128, 16->32, 3x3 conv + ReLU + 2x2 max-pool; ms/step best (median)`,
);
for (const variant of new Set([...samples.keys(), ...notes.keys()])) {
  const times = samples.get(variant);
  const t = times ? summarize(times) : undefined;
  const ms = t ? `${t.best.toFixed(0).padStart(7)} (${t.median.toFixed(0)})`.padEnd(17) : ''.padEnd(17);
  const ratio = t && base ? `${(t.best / base).toFixed(2)}x torch-1t` : '';
  console.log(`${variant.padEnd(16)} ${ms} ${ratio.padEnd(16)} ${notes.get(variant) ?? ''}`);
}
