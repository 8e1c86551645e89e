import * as tf from '@tensorflow/tfjs-core';
import { mulberry32 } from '@ropline/core';

/**
 * Test helpers for wasm-vs-cpu gradient parity. Tensors are built per backend from plain arrays
 * (no silent cross-backend copies), results come back as Float32Arrays.
 */

/** Deterministic PRNG so a failing row reproduces. */
export const prng = mulberry32;

export function randomArray(size: number, rand: () => number, quantize = 0): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    const v = rand() * 2 - 1;
    // Quantized values make ties (after ReLU: many zeros), the hard case for pooling gradients.
    out[i] = quantize > 0 ? Math.max(0, Math.round(v * quantize) / quantize) : v;
  }
  return out;
}

export interface Named {
  values: Float32Array;
  shape: number[];
}

/** Runs `fn` on `backend` with tensors made from `inputs`; returns its outputs as arrays. */
export async function onBackend(
  backend: string,
  inputs: Named[],
  fn: (...xs: tf.Tensor[]) => tf.Tensor[],
): Promise<Float32Array[]> {
  if (tf.getBackend() !== backend) await tf.setBackend(backend);
  const xs = inputs.map((i) => tf.tensor(i.values, i.shape));
  try {
    const outs = fn(...xs);
    const arrays = outs.map((o) => o.dataSync() as Float32Array);
    tf.dispose(outs);
    return arrays;
  } finally {
    tf.dispose(xs);
  }
}

/** Largest |a-b| relative to max(1, largest |b|): the parity criterion (<= 1e-4). */
export function relativeError(actual: Float32Array, expected: Float32Array): number {
  if (actual.length !== expected.length) return Infinity;
  let diff = 0;
  let scale = 1;
  for (let i = 0; i < actual.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return Number.isNaN(diff) ? Infinity : diff / scale;
}

/** Output length of a conv/pool axis, or 0 when the window does not fit. */
export function outLength(len: number, eff: number, stride: number, pad: 'same' | 'valid' | number): number {
  if (pad === 'same') return Math.ceil(len / stride);
  const p = pad === 'valid' ? 0 : pad;
  const n = Math.floor((len + 2 * p - eff) / stride) + 1;
  return n > 0 ? n : 0;
}

/** Tracks the worst relative error per kernel and prints one summary line each (test report). */
export class ParityLog {
  private readonly worst = new Map<string, { rows: number; error: number }>();
  record(kernel: string, error: number): void {
    const w = this.worst.get(kernel) ?? { rows: 0, error: 0 };
    this.worst.set(kernel, { rows: w.rows + 1, error: Math.max(w.error, error) });
  }
  print(): void {
    for (const [kernel, w] of this.worst) {
      console.log(`parity ${kernel}: ${w.rows} rows, worst relative error ${w.error.toExponential(2)}`);
    }
  }
}
