import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { RopError, WasmArena, type ArenaExports } from '@ropline/core';

/**
 * ROPline's own WebAssembly SIMD kernels for the models (C sources and build script in
 * libs/models/wasm; the compiled binaries are committed next to this file), loaded lazily and
 * synchronously on first use, once per process (per worker thread).
 *
 * Two builds of the same sources: `models-kernels-relaxed.wasm` fuses the multiply-adds of the
 * conv cores (relaxed SIMD `f32x4.relaxed_madd`: one rounding instead of two, ~1e-7 relative) and
 * is loaded when the runtime validates it; Node 20 (V8 11.3) needs V8's
 * `--experimental-wasm-relaxed-simd`, which `modelsWasm()` turns on at runtime (V8 flags are
 * per process, so worker threads see it too). Otherwise `models-kernels.wasm`, plain SIMD128.
 *
 * The module owns one linear memory, separate from tfjs-wasm's heap: a kernel copies its inputs
 * in, runs, and copies its result out. Its C side never allocates; everything from `__heap_base`
 * up is a scratch arena that each call lays out afresh, growing the memory when needed (wasm
 * memory cannot shrink: the process keeps the largest arena it needed).
 */

/** u [a*a, cinp, coutp] = the Winograd transform of the 3x3 filter w [3, 3, cin, cout], in panels. */
type WinogradFilter = (w: number, u: number, cin: number, cout: number, cinp: number, coutp: number) => void;
/** The Winograd conv on the padded input xp and the transformed filter u (conv-winograd.c). */
type WinogradConv = (
  xp: number,
  u: number,
  bias: number,
  out: number,
  v: number,
  m: number,
  chunk: number,
  batch: number,
  hp: number,
  wp: number,
  cinp: number,
  ho: number,
  wo: number,
  cout: number,
  coutp: number,
  lo: number,
  hi: number,
) => void;

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
  /** Packs the row-major [rows, cout] matrix `w` into `p` in the conv cores' panel layout. */
  pack_panels(w: number, p: number, rows: number, cout: number): void;
  /** wpk: the filter packed by pack_panels. Returns 0, or -1 when the filter has more than 1024 taps. */
  conv2d_forward(
    xp: number,
    wpk: number,
    bias: number,
    out: number,
    batch: number,
    hp: number,
    wp: number,
    cin: number,
    ho: number,
    wo: number,
    cout: number,
    kh: number,
    kw: number,
    sh: number,
    sw: number,
    dh: number,
    dw: number,
    lo: number,
    hi: number,
  ): number;
  winograd_filter_f2x2: WinogradFilter;
  winograd_filter_f4x4: WinogradFilter;
  conv3x3_winograd_f2x2: WinogradConv;
  conv3x3_winograd_f4x4: WinogradConv;
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
export const MODELS_WASM_RELAXED_URL = new URL('./models-kernels-relaxed.wasm', import.meta.url);

/** Which build: `relaxed` (fused multiply-add) or `simd` (plain SIMD128). */
export type ModelsWasmVariant = 'relaxed' | 'simd';

export class ModelsWasm extends WasmArena<ModelsKernelExports> {
  constructor(
    bytes: Uint8Array,
    readonly variant: ModelsWasmVariant,
  ) {
    super(bytes);
  }

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

// The WebAssembly global without relying on the DOM typings (as @ropline/core's WasmArena does).
const wasmValidate = (bytes: Uint8Array): boolean =>
  (globalThis as unknown as { WebAssembly: { validate(b: Uint8Array): boolean } }).WebAssembly.validate(bytes);

let cached: ModelsWasm | undefined;
let relaxedBytes: Uint8Array | null | undefined;

/** Largest kh * kw the direct conv kernel takes (their tap table in the C code). */
export const MAX_TAPS = 1024;

/**
 * The relaxed-SIMD build if this runtime validates it (turning on V8's flag first where needed:
 * it only affects modules compiled afterwards), else null. Memoized.
 */
function relaxedModule(): Uint8Array | null {
  if (relaxedBytes === undefined) {
    const bytes = readFileSync(MODELS_WASM_RELAXED_URL);
    if (!wasmValidate(bytes)) setFlagsFromString('--experimental-wasm-relaxed-simd');
    relaxedBytes = wasmValidate(bytes) ? bytes : null;
  }
  return relaxedBytes;
}

/** Whether the relaxed-SIMD (fused multiply-add) build runs here. */
export function relaxedSimdAvailable(): boolean {
  return relaxedModule() !== null;
}

const instances = new Map<ModelsWasmVariant, ModelsWasm>();

/**
 * Makes the given build the process's kernel module from now on (tests and benchmarks compare
 * both), instantiating it once. Throws when relaxed SIMD is unavailable.
 */
export function useModelsWasm(variant: ModelsWasmVariant): ModelsWasm {
  let instance = instances.get(variant);
  if (!instance) {
    const bytes = variant === 'relaxed' ? relaxedModule() : readFileSync(MODELS_WASM_URL);
    if (!bytes) throw new Error('this runtime does not support WebAssembly relaxed SIMD');
    instance = new ModelsWasm(bytes, variant);
    instances.set(variant, instance);
  }
  cached = instance;
  return instance;
}

/**
 * The kernel module (relaxed SIMD when available), compiled and instantiated on the first call
 * and memoized.
 */
export function modelsWasm(): ModelsWasm {
  cached ??= useModelsWasm(relaxedSimdAvailable() ? 'relaxed' : 'simd');
  return cached;
}
