import { readFileSync } from 'node:fs';
import { RopError, WasmArena, type ArenaExports } from '@ropline/core';

/**
 * ROPline's own WebAssembly SIMD kernels for the models (C sources and build script in
 * libs/models/wasm; the compiled binary is committed next to this file), loaded lazily and
 * synchronously on first use, once per process (per worker thread).
 *
 * The module owns one linear memory, separate from tfjs-wasm's heap: a kernel copies its inputs
 * in, runs, and copies its result out. Its C side never allocates; everything from `__heap_base`
 * up is a scratch arena that each call lays out afresh, growing the memory when needed (wasm
 * memory cannot shrink: the process keeps the largest arena it needed).
 */

export interface ModelsKernelExports extends ArenaExports {
  conv2d_filter_grad(
    x: number,
    dy: number,
    dw: number,
    batch: number,
    h: number,
    w: number,
    cin: number,
    ho: number,
    wo: number,
    cout: number,
    kh: number,
    kw: number,
    sh: number,
    sw: number,
    dh: number,
    dw_: number,
    top: number,
    left: number,
  ): void;
  column_sums_f64(x: number, out: number, rows: number, cols: number): void;
  /** dx must be zeroed by the caller. */
  max_pool_grad_f32(
    x: number,
    y: number,
    dy: number,
    dx: number,
    batch: number,
    h: number,
    w: number,
    c: number,
    ho: number,
    wo: number,
    sh: number,
    sw: number,
    fh: number,
    fw: number,
    top: number,
    left: number,
  ): void;
  strided_copy_f32(
    dst: number,
    dstStride: number,
    src: number,
    srcStride: number,
    len: number,
    runs: number,
  ): void;
  /** op: 0 x*v, 1 x+v, 2 x-v, 3 x/v, 4 v-x, 5 v/x. */
  channel_binary_f32(x: number, v: number, out: number, n: number, c: number, op: number): void;
  channel_batch_norm_f32(
    x: number,
    mean: number,
    mul: number,
    add: number,
    out: number,
    n: number,
    c: number,
  ): void;
  /** Returns 0, or -1 when the filter has more than 1024 taps. */
  conv2d_backprop_input(
    dyp: number,
    wt: number,
    dx: number,
    batch: number,
    h: number,
    w: number,
    cin: number,
    ho: number,
    wop: number,
    cout: number,
    kh: number,
    kw: number,
    sh: number,
    sw: number,
    dh: number,
    dw: number,
    top: number,
    left: number,
    padl: number,
  ): number;
}

export const MODELS_WASM_URL = new URL('./models-kernels.wasm', import.meta.url);

export class ModelsWasm extends WasmArena<ModelsKernelExports> {
  /**
   * Lays out float32 buffers of the given element counts from the arena base (growing the memory);
   * returns their byte offsets. Take views with `f32` only after this call.
   */
  reserveF32(...counts: number[]): number[] {
    const offsets = this.reserve(...counts.map((c) => 4 * c));
    if (!offsets)
      throw new RopError('MODEL.OUT_OF_MEMORY', `the kernel arena cannot grow to ${counts.reduce((a, c) => a + 4 * c, 0)} bytes`);
    return offsets;
  }

  /** Float64 sums of the columns of the row-major [rows, cols] matrix `v`. */
  columnSums(v: Float32Array, rows: number, cols: number): Float64Array {
    const [px, pout] = this.reserveF32(rows * cols, 2 * cols);
    this.f32(px, rows * cols).set(v);
    this.fn.column_sums_f64(px, pout, rows, cols);
    return this.f64(pout, cols);
  }
}

let cached: ModelsWasm | undefined;

/** Largest kh * kw the direct conv kernel takes (their tap table in the C code). */
export const MAX_TAPS = 1024;

/** The kernel module, compiled and instantiated on the first call and memoized. */
export function modelsWasm(): ModelsWasm {
  cached ??= new ModelsWasm(readFileSync(MODELS_WASM_URL));
  return cached;
}
