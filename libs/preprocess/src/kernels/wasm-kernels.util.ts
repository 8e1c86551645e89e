import { readFileSync } from 'node:fs';
import { WasmArena, type ArenaExports } from '@ropline/core';

/**
 * The WebAssembly build of the preprocessing kernels (C sources and build script in
 * libs/preprocess/wasm; the compiled binary is committed next to this file). Loaded lazily and
 * synchronously on first use, once per process.
 *
 * Memory (layout in wasm/kernels.h): the module owns one linear memory. Its C side never
 * allocates; everything from `__heap_base` up is a scratch arena that each wrapper lays out afresh
 * for its call (inputs, outputs, scratch), growing the memory when an image needs more. Wasm memory
 * cannot shrink, so the process keeps the largest arena it needed (about 4 bytes per pixel of the
 * largest RGB image converted to gray). Results are copied out into JS-owned arrays: nothing
 * returned to callers aliases wasm memory.
 */

export interface KernelExports extends ArenaExports {
  gray_rgb_fixed16(
    src: number,
    dst: number,
    n: number,
    wr: number,
    wg: number,
    wb: number,
    half: number,
    magic: number,
  ): void;
  gray_rgb_generic(
    src: number,
    dst: number,
    n: number,
    wr: number,
    wg: number,
    wb: number,
    half: number,
    scale: number,
  ): void;
  histogram_u8(src: number, n: number, hist: number): void;
  apply_lut_u8(src: number, dst: number, n: number, lut: number): void;
  clahe_luts(
    src: number,
    width: number,
    tilesX: number,
    tilesY: number,
    tileW: number,
    tileH: number,
    clip: number,
    lutScale: number,
    rows: number,
    padCols: number,
    lut: number,
  ): void;
  clahe_interpolate(
    src: number,
    dst: number,
    width: number,
    height: number,
    tilesX: number,
    tilesY: number,
    tileW: number,
    tileH: number,
    lut: number,
    scratch: number,
    q: number,
  ): void;
  resize_area_integer(
    src: number,
    sw: number,
    dst: number,
    dw: number,
    dh: number,
    fx: number,
    fy: number,
    scale: number,
    rowSum: number,
  ): void;
  resize_area_generic(
    src: number,
    sw: number,
    dst: number,
    dw: number,
    dh: number,
    xStart: number,
    xSrc: number,
    xAlpha: number,
    yStart: number,
    ySrc: number,
    yAlpha: number,
    buf: number,
    sum: number,
  ): void;
}

export const WASM_KERNELS_URL = new URL('./preprocess-kernels.wasm', import.meta.url);

/** The loaded kernel module plus its scratch arena. */
export class WasmKernels extends WasmArena<KernelExports> {}

let cached: WasmKernels | null | undefined;

/**
 * The kernel module, compiled and instantiated on the first call and memoized; null (with one
 * console warning) when it cannot be loaded, e.g. a runtime without WebAssembly SIMD.
 */
export function loadWasmKernels(): WasmKernels | null {
  if (cached !== undefined) return cached;
  try {
    cached = new WasmKernels(readFileSync(WASM_KERNELS_URL));
  } catch (e) {
    console.warn(
      `[preprocess] WebAssembly kernels unavailable (${e instanceof Error ? e.message : String(e)}); ` +
        'using the JavaScript implementations',
    );
    cached = null;
  }
  return cached;
}
