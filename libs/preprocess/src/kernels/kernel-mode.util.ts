import { invalidInput } from '../image-guard.util.js';
import { loadWasmKernels, type WasmKernels } from './wasm-kernels.util.js';

/**
 * Which implementation runs grayscale, equalizeHist, CLAHE and INTER_AREA resize. Both give
 * identical pixels (bit-exact with OpenCV 4.6): `'wasm'` runs the SIMD128 WebAssembly kernels
 * (libs/preprocess/wasm), `'js'` the pure-TypeScript reference implementations.
 */
export type PreprocessKernels = 'js' | 'wasm';
export const PREPROCESS_KERNELS: readonly PreprocessKernels[] = ['js', 'wasm'];
export const PREPROCESS_KERNELS_ENV = 'ROPLINE_PREPROCESS_KERNELS';

let override: PreprocessKernels | undefined;
let fromEnv: PreprocessKernels | undefined;

function envMode(): PreprocessKernels {
  if (fromEnv) return fromEnv;
  const v = process.env[PREPROCESS_KERNELS_ENV];
  if (v === undefined || v === '') fromEnv = 'wasm';
  else if ((PREPROCESS_KERNELS as readonly string[]).includes(v)) fromEnv = v as PreprocessKernels;
  else {
    console.warn(`[preprocess] ignoring ${PREPROCESS_KERNELS_ENV}=${v} (expected js or wasm); using wasm`);
    fromEnv = 'wasm';
  }
  return fromEnv;
}

/**
 * Selects the implementation for this process; `undefined` restores the default, read from the
 * environment variable ROPLINE_PREPROCESS_KERNELS (`js` or `wasm`, default `wasm`).
 */
export function setPreprocessKernels(mode: PreprocessKernels | undefined): void {
  if (mode !== undefined && !PREPROCESS_KERNELS.includes(mode)) {
    invalidInput(
      `setPreprocessKernels: expected one of ${PREPROCESS_KERNELS.join(', ')}, got ${String(mode)}`,
    );
  }
  override = mode;
  fromEnv = undefined;
}

/** The implementation in effect: `'js'` when selected, or when the wasm module cannot load. */
export function preprocessKernels(): PreprocessKernels {
  return activeWasmKernels() ? 'wasm' : 'js';
}

/** The loaded wasm kernels when they are selected and available, else null (use JS). */
export function activeWasmKernels(): WasmKernels | null {
  return (override ?? envMode()) === 'wasm' ? loadWasmKernels() : null;
}
