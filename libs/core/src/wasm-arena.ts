/**
 * A WebAssembly kernel module built from C with no libc (libs/preprocess/wasm, libs/models/wasm):
 * one linear memory whose C side never allocates. Everything from `__heap_base` up is a scratch
 * arena that each call lays out afresh (inputs, outputs, scratch), growing the memory when needed.
 * Wasm memory cannot shrink: the process keeps the largest arena it needed. Views must be taken
 * after `reserve`, since growing detaches the previous `memory.buffer`.
 */

/** The slice of the WebAssembly JS API used here (the workspace's lib, ES2023 without DOM, has no types for it). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: object };
}
const WebAssemblyApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** What every such module exports besides its kernels. */
export interface ArenaExports {
  memory: WasmMemory;
  __heap_base: { value: number };
}

const PAGE = 65536;

/** Rounds up to a multiple of 16 (arithmetic, not bitwise: offsets may exceed 2^31). */
function align(n: number): number {
  return Math.ceil(n / 16) * 16;
}

export class WasmArena<E extends ArenaExports> {
  readonly fn: E;
  private readonly base: number;

  /** Compiles and instantiates `bytes` (a module with no imports). */
  constructor(bytes: Uint8Array) {
    const module = new WebAssemblyApi.Module(bytes);
    this.fn = new WebAssemblyApi.Instance(module, {}).exports as E;
    this.base = align(this.fn.__heap_base.value);
  }

  /**
   * Lays out buffers of the given byte sizes (16-byte aligned) from the arena base, growing the
   * memory if needed, and returns their offsets; null when the memory cannot grow that far.
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

  f64(ptr: number, length: number): Float64Array {
    return new Float64Array(this.fn.memory.buffer, ptr, length);
  }

  /** A JS-owned copy of `length` bytes at `ptr`. */
  copyOut(ptr: number, length: number): Uint8Array {
    return this.u8(ptr, length).slice();
  }
}
