import { createRequire } from 'node:module';

/** Emscripten factories and dcmjs-codecs are CommonJS; load them with require from this package. */
export const requireCjs = createRequire(import.meta.url);

/** Minimal shape of an embind-exported codec class instance. */
export interface EmbindCodec {
  getEncodedBuffer(length: number): Uint8Array;
  getDecodedBuffer(): Uint8Array;
  decode(): void;
  delete(): void;
}

export interface LazyModule<M> {
  get(): Promise<M>;
  /** Drops the instance (after a wasm abort the module is unusable); the next get() reloads it. */
  reset(): void;
}

/** Loads a module on first get() and memoizes it; a failed load is not cached. */
export function lazyModule<M>(load: () => Promise<M>): LazyModule<M> {
  let pending: Promise<M> | undefined;
  return {
    get() {
      pending ??= load().catch((e: unknown) => {
        pending = undefined;
        throw e;
      });
      return pending;
    },
    reset() {
      pending = undefined;
    },
  };
}

/** Emscripten aborts surface as WebAssembly.RuntimeError; the instance must not be reused after one. */
export function isWasmAbort(e: unknown): boolean {
  return e instanceof Error && (e.name === 'RuntimeError' || /abort/i.test(e.message));
}

/** Copies `frame` into the codec's wasm heap, runs `decode`, returns a JS-owned copy of the output. */
export function runEmbindDecode<C extends EmbindCodec>(
  codec: C,
  frame: Uint8Array,
  after: (c: C) => void,
): Uint8Array {
  codec.getEncodedBuffer(frame.length).set(frame);
  codec.decode();
  after(codec);
  // The decoded buffer is a view on wasm memory that the next call may reuse or grow: copy it out,
  // as a plain Uint8Array (libjpeg-turbo hands out a Uint8ClampedArray).
  const view = codec.getDecodedBuffer();
  return new Uint8Array(view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength));
}
