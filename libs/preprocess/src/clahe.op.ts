import type { Image8 } from '@ropline/core';
import { claheGeometry, computeClaheTiles, reflect101 } from './clahe-tiles.util.js';
import { assertImage8, invalidInput } from './image-guard.util.js';
import { activeWasmKernels } from './kernels/kernel-mode.util.js';
import type { WasmKernels } from './kernels/wasm-kernels.util.js';

const fround = Math.fround;

export interface ClaheOptions {
  /** OpenCV's clipLimit (contrast limit, relative to a uniform histogram); 0 disables clipping. */
  clipLimit?: number;
  tilesX?: number;
  tilesY?: number;
}

export const CLAHE_DEFAULTS = { clipLimit: 2.0, tilesX: 8, tilesY: 8 } as const;
export const CLAHE_MAX_TILES = 1024;

/**
 * Float32 rounding error bound of OpenCV's 7-operation bilinear blend of four LUT values ≤ 255:
 * ~1530 · 2^-24 ≈ 9.1e-5. A double-precision blend farther than twice that from a .5 boundary
 * rounds the same way as the float32 one, so only near-ties need the exact float32 emulation.
 */
const TIE_EPS = 2e-4;

/**
 * Contrast Limited Adaptive Histogram Equalization of a 1-channel image, bit-exact with
 * `cv2.createCLAHE(clipLimit, (tilesX, tilesY)).apply(gray)` in OpenCV 4.6 for any size and grid.
 */
export function clahe(gray: Image8, options: ClaheOptions = {}): Image8 {
  assertImage8(gray, 'clahe input', [1]);
  const clipLimit = options.clipLimit ?? CLAHE_DEFAULTS.clipLimit;
  const tilesX = options.tilesX ?? CLAHE_DEFAULTS.tilesX;
  const tilesY = options.tilesY ?? CLAHE_DEFAULTS.tilesY;
  if (typeof clipLimit !== 'number' || !Number.isFinite(clipLimit) || clipLimit < 0) {
    invalidInput(`clahe: clipLimit must be a finite number >= 0, got ${String(clipLimit)}`);
  }
  for (const [name, t] of [
    ['tilesX', tilesX],
    ['tilesY', tilesY],
  ] as const) {
    if (!Number.isInteger(t) || t < 1 || t > CLAHE_MAX_TILES) {
      invalidInput(`clahe: ${name} must be an integer in [1, ${CLAHE_MAX_TILES}], got ${String(t)}`);
    }
  }
  const { width, height, data } = gray;
  const k = activeWasmKernels();
  let out = k ? claheWasm(k, data, width, height, tilesX, tilesY, clipLimit) : null;
  if (!out) {
    const tiles = computeClaheTiles(data, width, height, tilesX, tilesY, clipLimit);
    out = new Uint8Array(data.length);
    interpolate(data, out, width, height, tilesX, tilesY, tiles.lut, tiles.tileWidth, tiles.tileHeight);
  }
  return { data: out, width, height, channels: 1 };
}

/**
 * The WebAssembly path (wasm/clahe.c): the same geometry as computeClaheTiles, with the reflected
 * padding passed as row and column index maps; null when its memory cannot grow to the image.
 */
function claheWasm(
  k: WasmKernels,
  data: Uint8Array,
  width: number,
  height: number,
  tilesX: number,
  tilesY: number,
  clipLimit: number,
): Uint8Array | null {
  const g = claheGeometry(width, height, tilesX, tilesY, clipLimit);
  const padW = g.tileWidth * tilesX;
  const padH = g.tileHeight * tilesY;
  const n = data.length;
  const lutLen = tilesX * tilesY * 256;
  const ptrs = k.reserve(n, n, padH * 4, (padW - width) * 4, lutLen * 4, width * 20, (tilesX + 1) * 4096);
  if (!ptrs) return null;
  const [src, dst, rows, padCols, lut, scratch, q] = ptrs;
  k.u8(src, n).set(data);
  const rowMap = k.i32(rows, padH);
  for (let y = 0; y < padH; y++) rowMap[y] = y < height ? y : reflect101(y, height);
  const colMap = k.i32(padCols, padW - width);
  for (let x = 0; x < colMap.length; x++) colMap[x] = reflect101(width + x, width);
  const { tileWidth: tw, tileHeight: th } = g;
  k.fn.clahe_luts(src, width, tilesX, tilesY, tw, th, g.clipPixels, g.lutScale, rows, padCols, lut);
  k.fn.clahe_interpolate(src, dst, width, height, tilesX, tilesY, tw, th, lut, scratch, q);
  return k.copyOut(dst, n);
}

/**
 * `CLAHE_Interpolation_Body`: each pixel blends the mappings of the four nearest tile centres,
 * horizontally then vertically, in float32, then `saturate_cast<uchar>` (round half to even).
 * The blend is evaluated in float64 (fast) and redone in exact float32 only near a rounding tie
 * (see TIE_EPS). Rows are processed in pairs when they share their tile rows, which halves the
 * per-column table reads.
 */
function interpolate(
  src: Uint8Array,
  dst: Uint8Array,
  width: number,
  height: number,
  tilesX: number,
  tilesY: number,
  lut: Float64Array,
  tileW: number,
  tileH: number,
): void {
  const ind1 = new Int32Array(width);
  const ind2 = new Int32Array(width);
  const xa = new Float64Array(width);
  const xa1 = new Float64Array(width);
  const invTw = fround(1 / tileW);
  for (let x = 0; x < width; x++) {
    const txf = fround(fround(x * invTw) - 0.5);
    const tx1 = Math.floor(txf);
    xa[x] = fround(txf - tx1);
    xa1[x] = fround(1 - xa[x]);
    ind1[x] = Math.max(tx1, 0) * 256;
    ind2[x] = Math.min(tx1 + 1, tilesX - 1) * 256;
  }
  const invTh = fround(1 / tileH);
  const plane = tilesX * 256;
  let y = 0;
  while (y < height) {
    const tyf = fround(fround(y * invTh) - 0.5);
    const ty1 = Math.floor(tyf);
    const ya = fround(tyf - ty1);
    const ya1 = fround(1 - ya);
    const p1 = Math.max(ty1, 0) * plane;
    const p2 = Math.min(ty1 + 1, tilesY - 1) * plane;
    const tyg = fround(fround((y + 1) * invTh) - 0.5);
    const pair = y + 1 < height && Math.floor(tyg) === ty1;
    const yb = fround(tyg - ty1);
    const yb1 = fround(1 - yb);
    let i = y * width;
    let j = i + width;
    for (let x = 0; x < width; x++, i++, j++) {
      const a = xa[x];
      const a1 = xa1[x];
      const c1 = ind1[x];
      const c2 = ind2[x];
      const v = src[i];
      const l11 = lut[p1 + c1 + v];
      const l12 = lut[p1 + c2 + v];
      const l21 = lut[p2 + c1 + v];
      const l22 = lut[p2 + c2 + v];
      const q = (l11 * a1 + l12 * a) * ya1 + (l21 * a1 + l22 * a) * ya + 0.5;
      const n = q | 0;
      const f = q - n;
      dst[i] = f > TIE_EPS && f < 1 - TIE_EPS ? n : blendFloat32(l11, l12, l21, l22, a, a1, ya, ya1);
      if (!pair) continue;
      const w = src[j];
      const m11 = lut[p1 + c1 + w];
      const m12 = lut[p1 + c2 + w];
      const m21 = lut[p2 + c1 + w];
      const m22 = lut[p2 + c2 + w];
      const r = (m11 * a1 + m12 * a) * yb1 + (m21 * a1 + m22 * a) * yb + 0.5;
      const k = r | 0;
      const g = r - k;
      dst[j] = g > TIE_EPS && g < 1 - TIE_EPS ? k : blendFloat32(m11, m12, m21, m22, a, a1, yb, yb1);
    }
    y += pair ? 2 : 1;
  }
}

/** The exact float32 evaluation order of OpenCV, for values close to a rounding tie. */
function blendFloat32(
  l11: number,
  l12: number,
  l21: number,
  l22: number,
  a: number,
  a1: number,
  ya: number,
  ya1: number,
): number {
  const top = fround(fround(l11 * a1) + fround(l12 * a));
  const bottom = fround(fround(l21 * a1) + fround(l22 * a));
  const res = fround(fround(top * ya1) + fround(bottom * ya));
  let r = Math.floor(res + 0.5);
  if (r - res === 0.5 && (r & 1) === 1) r -= 1;
  return r < 0 ? 0 : r > 255 ? 255 : r;
}
