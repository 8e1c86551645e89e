import type { Image8 } from '@ropline/core';
import { assertImage8, invalidInput } from './image-guard.util.js';
import { activeWasmKernels } from './kernels/kernel-mode.util.js';
import type { WasmKernels } from './kernels/wasm-kernels.util.js';

export type GrayWeights = readonly [number, number, number];

/** Eq. (1) of the paper: I' = 0.3 R + 0.59 G + 0.11 B (not OpenCV's 0.299/0.587/0.114). */
export const PAPER_GRAY_WEIGHTS: GrayWeights = [0.3, 0.59, 0.11];

/** Weights are read to this many decimals; the conversion is exact for such weights. */
const MAX_DECIMALS = 6;

interface FixedWeights {
  r: number;
  g: number;
  b: number;
  /** Common denominator 10^k: weight = integer / scale. */
  scale: number;
}

function toFixed(weights: GrayWeights): FixedWeights {
  if (!Array.isArray(weights) || weights.length !== 3) invalidInput('toGray: weights must be [r, g, b]');
  for (const w of weights) {
    if (typeof w !== 'number' || !Number.isFinite(w) || w < 0 || w > 1) {
      invalidInput(`toGray: weights must be numbers in [0, 1], got [${weights.join(', ')}]`);
    }
  }
  if (weights[0] + weights[1] + weights[2] <= 0) invalidInput('toGray: weights must not all be 0');
  let scale = 1;
  for (let k = 0; k < MAX_DECIMALS; k++) {
    if (weights.every((w) => Math.abs(w * scale - Math.round(w * scale)) < 1e-9 * scale)) break;
    scale *= 10;
  }
  return {
    r: Math.round(weights[0] * scale),
    g: Math.round(weights[1] * scale),
    b: Math.round(weights[2] * scale),
    scale,
  };
}

/** Shift of the exact multiply-shift division, the same constant as GRAY_SHIFT in wasm/to-gray.c. */
const DIVISION_SHIFT = 22;
const TWO_32 = 2 ** 32;

/**
 * `magic` such that `(x * magic) >>> 22 === floor(x / scale)` with `x * magic < 2^32` for every
 * x in [0, maxSum], so one 32-bit multiply and a shift replace the division; verified exhaustively
 * (maxSum < 2^16, the sums of a 16-bit lane). Null when none exists (then: exact division).
 * Memoized per (scale, maxSum).
 */
const magicCache = new Map<string, number | null>();
function divisionMagic(scale: number, maxSum: number): number | null {
  const key = `${scale}/${maxSum}`;
  const hit = magicCache.get(key);
  if (hit !== undefined) return hit;
  let magic: number | null = Math.ceil(2 ** DIVISION_SHIFT / scale);
  if (maxSum >= 65536 || maxSum * magic >= TWO_32) magic = null;
  for (let x = 0; magic !== null && x <= maxSum; x++) {
    if (Math.floor((x * magic) / 2 ** DIVISION_SHIFT) !== Math.floor(x / scale)) magic = null;
  }
  magicCache.set(key, magic);
  return magic;
}

/**
 * The pure-JS reference. With a division magic: four pixels per step from three 32-bit words
 * (little-endian: R0 G0 B0 R1 | G1 B1 R2 G2 | B2 R3 G3 B3), written back as one word; otherwise the
 * exact division per pixel.
 */
function toGrayJs(data: Uint8Array, n: number, w: FixedWeights, out: Uint8Array): void {
  const { r, g, b, scale } = w;
  const half = scale >> 1;
  const m = divisionMagic(scale, 255 * (r + g + b) + half);
  if (m === null) {
    // Integer weights <= 10^6 and samples <= 255: the sum stays below 2^31, and truncating the
    // (correctly rounded) float quotient of two such integers gives the exact integer quotient.
    for (let i = 0, j = 0; i < n; i++, j += 3) {
      const q = ((r * data[j] + g * data[j + 1] + b * data[j + 2] + half) / scale) | 0;
      out[i] = q > 255 ? 255 : q;
    }
    return;
  }
  const s = DIVISION_SHIFT;
  let i = 0;
  if ((data.byteOffset & 3) === 0 && (out.byteOffset & 3) === 0) {
    const words = n >> 2;
    const w32 = new Uint32Array(data.buffer, data.byteOffset, words * 3);
    const o32 = new Uint32Array(out.buffer, out.byteOffset, words);
    for (let k = 0, j = 0; k < words; k++, j += 3) {
      const a = w32[j];
      const c = w32[j + 1];
      const e = w32[j + 2];
      // Math.imul is exact here (product < 2^32) and `>>>` reads it back unsigned.
      let q0 = Math.imul(r * (a & 255) + g * ((a >>> 8) & 255) + b * ((a >>> 16) & 255) + half, m) >>> s;
      let q1 = Math.imul(r * (a >>> 24) + g * (c & 255) + b * ((c >>> 8) & 255) + half, m) >>> s;
      let q2 = Math.imul(r * ((c >>> 16) & 255) + g * (c >>> 24) + b * (e & 255) + half, m) >>> s;
      let q3 = Math.imul(r * ((e >>> 8) & 255) + g * ((e >>> 16) & 255) + b * (e >>> 24) + half, m) >>> s;
      if (q0 > 255) q0 = 255;
      if (q1 > 255) q1 = 255;
      if (q2 > 255) q2 = 255;
      if (q3 > 255) q3 = 255;
      o32[k] = q0 | (q1 << 8) | (q2 << 16) | (q3 << 24);
    }
    i = words << 2;
  }
  for (let j = 3 * i; i < n; i++, j += 3) {
    const q = Math.imul(r * data[j] + g * data[j + 1] + b * data[j + 2] + half, m) >>> s;
    out[i] = q > 255 ? 255 : q;
  }
}

/** The WebAssembly path (see wasm/to-gray.c); null when its memory cannot grow to the image. */
function toGrayWasm(k: WasmKernels, data: Uint8Array, n: number, w: FixedWeights): Uint8Array | null {
  const ptrs = k.reserve(3 * n, n);
  if (!ptrs) return null;
  const [src, dst] = ptrs;
  k.u8(src, 3 * n).set(data);
  const { r, g, b, scale } = w;
  const half = scale >> 1;
  const m = divisionMagic(scale, 255 * (r + g + b) + half);
  if (m !== null) k.fn.gray_rgb_fixed16(src, dst, n, r, g, b, half, m);
  else k.fn.gray_rgb_generic(src, dst, n, r, g, b, half, scale);
  return k.copyOut(dst, n);
}

/**
 * RGB to 1-channel gray with the paper's weights by default. Rounding: the weighted sum is computed
 * exactly in integers (weights read as decimals with up to 6 places, e.g. 30/100, 59/100, 11/100),
 * then rounded half up: `floor((30 R + 59 G + 11 B + 50) / 100)`. So gray levels (R = G = B) map to
 * themselves, and (5, 0, 0) -> 1.5 -> 2. Results above 255 (weights summing to more than 1)
 * saturate. A 1-channel input comes back as a copy.
 */
export function toGray(img: Image8, weights: GrayWeights = PAPER_GRAY_WEIGHTS): Image8 {
  assertImage8(img, 'toGray input');
  const { width, height, data } = img;
  const n = width * height;
  if (img.channels === 1) return { data: data.slice(), width, height, channels: 1 };
  const fixed = toFixed(weights);
  const k = activeWasmKernels();
  let out = k ? toGrayWasm(k, data, n, fixed) : null;
  if (!out) {
    out = new Uint8Array(n);
    toGrayJs(data, n, fixed, out);
  }
  return { data: out, width, height, channels: 1 };
}
