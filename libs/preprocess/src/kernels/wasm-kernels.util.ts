import { readFileSync } from 'node:fs';

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

/** The slice of the WebAssembly JS API used here (the workspace's lib, ES2023 without DOM, has no types for it). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: object };
}
const WebAssemblyApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

export interface KernelExports {
  memory: WasmMemory;
  __heap_base: { value: number };
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

const PAGE = 65536;

/** A loaded kernel module plus its scratch arena. */
export class WasmKernels {
  readonly fn: KernelExports;
  private readonly base: number;

  constructor(module: object) {
    this.fn = new WebAssemblyApi.Instance(module, {}).exports as KernelExports;
    this.base = align(this.fn.__heap_base.value);
  }

  /**
   * Lays out buffers of the given byte sizes (16-byte aligned) from the arena base, growing the
   * memory if needed, and returns their offsets; null when the memory cannot grow that far (the
   * caller then falls back to JS). Views on the memory must be taken after this call: growing
   * detaches the previous `memory.buffer`.
   */
  reserve(...sizes: number[]): number[] | null {
    const offsets: number[] = [];
    let top = this.base;
    for (const s of sizes) {
      offsets.push(top);
      top = align(top + s);
    }
    const have = this.fn.memory.buffer.byteLength;
    if (top > have) {
      try {
        this.fn.memory.grow(Math.ceil((top - have) / PAGE));
      } catch {
        return null;
      }
    }
    return offsets;
  }

  u8(ptr: number, length: number): Uint8Array {
    return new Uint8Array(this.fn.memory.buffer, ptr, length);
  }

  i32(ptr: number, length: number): Int32Array {
    return new Int32Array(this.fn.memory.buffer, ptr, length);
  }

  f32(ptr: number, length: number): Float32Array {
    return new Float32Array(this.fn.memory.buffer, ptr, length);
  }

  /** A JS-owned copy of `length` bytes at `ptr`. */
  copyOut(ptr: number, length: number): Uint8Array {
    return this.u8(ptr, length).slice();
  }
}

/** Rounds up to a multiple of 16 (arithmetic, not bitwise: offsets may exceed 2^31). */
function align(n: number): number {
  return Math.ceil(n / 16) * 16;
}

let cached: WasmKernels | null | undefined;

/**
 * The kernel module, compiled and instantiated on the first call and memoized; null (with one
 * console warning) when it cannot be loaded, e.g. a runtime without WebAssembly SIMD.
 */
export function loadWasmKernels(): WasmKernels | null {
  if (cached !== undefined) return cached;
  try {
    cached = new WasmKernels(new WebAssemblyApi.Module(readFileSync(WASM_KERNELS_URL)));
  } catch (e) {
    console.warn(
      `[preprocess] WebAssembly kernels unavailable (${e instanceof Error ? e.message : String(e)}); ` +
        'using the JavaScript implementations',
    );
    cached = null;
  }
  return cached;
}
