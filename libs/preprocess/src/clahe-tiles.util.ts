import { roundHalfEvenU8 } from './rounding.util.js';

const fround = Math.fround;
const INT_MAX = 2147483647;

/** OpenCV `borderInterpolate(p, len, BORDER_REFLECT_101)`: gfedcb|abcdefgh|gfedcba. */
export function reflect101(p: number, len: number): number {
  if (len === 1) return 0;
  while (p < 0 || p >= len) p = p < 0 ? -p : 2 * (len - 1) - p;
  return p;
}

export interface ClaheTiles {
  /** One 256-entry mapping per tile, row-major over the grid, values 0..255 stored as float64. */
  lut: Float64Array;
  tileWidth: number;
  tileHeight: number;
  /** Clip limit in pixels per bin after OpenCV's scaling (0 = no clipping). */
  clipPixels: number;
}

/**
 * OpenCV's tile geometry: when either side is not a multiple of the grid, *both* sides are padded
 * on the bottom/right (a divisible side then gains a whole extra tile row/column); the tiles cover
 * the padded image. `lutScale` is `255.f / tileArea`; `clipPixels` is 0 when clipping is off.
 */
export function claheGeometry(
  width: number,
  height: number,
  tilesX: number,
  tilesY: number,
  clipLimit: number,
): { tileWidth: number; tileHeight: number; lutScale: number; clipPixels: number } {
  let padW = width;
  let padH = height;
  if (width % tilesX !== 0 || height % tilesY !== 0) {
    padW = width + tilesX - (width % tilesX);
    padH = height + tilesY - (height % tilesY);
  }
  const tileWidth = padW / tilesX;
  const tileHeight = padH / tilesY;
  const area = tileWidth * tileHeight;
  let clipPixels = 0;
  if (clipLimit > 0) clipPixels = Math.max(Math.min(Math.trunc((clipLimit * area) / 256), INT_MAX), 1);
  return { tileWidth, tileHeight, lutScale: fround(255 / area), clipPixels };
}

/**
 * Per-tile clipped-histogram LUTs as OpenCV 4.6 `CLAHE_CalcLut_Body` computes them. When either
 * side is not a multiple of the grid OpenCV pads *both* sides on the bottom/right with
 * BORDER_REFLECT_101 (a divisible side then gains a whole extra tile row/column of padding), and
 * the tiles cover the padded image; we read the reflected pixels in place instead of copying.
 */
export function computeClaheTiles(
  src: Uint8Array,
  width: number,
  height: number,
  tilesX: number,
  tilesY: number,
  clipLimit: number,
): ClaheTiles {
  const {
    tileWidth: tileW,
    tileHeight: tileH,
    lutScale,
    clipPixels: clip,
  } = claheGeometry(width, height, tilesX, tilesY, clipLimit);
  const padW = tileW * tilesX;

  const padCols = new Int32Array(padW - width);
  for (let k = 0; k < padCols.length; k++) padCols[k] = reflect101(width + k, width);

  const lut = new Float64Array(tilesX * tilesY * 256);
  // Four sub-histograms per tile, fed from 32-bit words (see histogram256 for why).
  const sub = new Int32Array(tilesX * 1024);
  // Word w holds src[4w - shift .. 4w - shift + 3]; the view starts at the aligned address below src.
  const shift = src.byteOffset & 3;
  const words = new Uint32Array(src.buffer, src.byteOffset - shift, (shift + src.length) >> 2);
  const hist = new Int32Array(256);
  for (let ty = 0; ty < tilesY; ty++) {
    sub.fill(0);
    for (let yy = ty * tileH, yEnd = yy + tileH; yy < yEnd; yy++) {
      const row = (yy < height ? yy : reflect101(yy, height)) * width;
      for (let tx = 0; tx < tilesX; tx++) {
        const b = tx * 1024;
        const x0 = tx * tileW;
        let i = row + x0;
        const iEnd = row + Math.min(x0 + tileW, width);
        while (i < iEnd && ((i + shift) & 3) !== 0) sub[b + src[i++]]++;
        for (let w = (i + shift) >> 2, wEnd = (iEnd + shift) >> 2; w < wEnd; w++, i += 4) {
          const v = words[w];
          sub[b + (v & 255)]++;
          sub[b + 256 + ((v >>> 8) & 255)]++;
          sub[b + 512 + ((v >>> 16) & 255)]++;
          sub[b + 768 + (v >>> 24)]++;
        }
        while (i < iEnd) sub[b + src[i++]]++;
        for (let x = Math.max(x0, width); x < x0 + tileW; x++) sub[b + src[row + padCols[x - width]]]++;
      }
    }
    for (let tx = 0; tx < tilesX; tx++) {
      const b = tx * 1024;
      for (let v = 0; v < 256; v++)
        hist[v] = sub[b + v] + sub[b + 256 + v] + sub[b + 512 + v] + sub[b + 768 + v];
      if (clip > 0) clipAndRedistribute(hist, clip);
      const out = (ty * tilesX + tx) * 256;
      let sum = 0;
      for (let v = 0; v < 256; v++) {
        sum += hist[v];
        lut[out + v] = roundHalfEvenU8(fround(fround(sum) * lutScale));
      }
    }
  }
  return { lut, tileWidth: tileW, tileHeight: tileH, clipPixels: clip };
}

/**
 * Clips every bin at `clip` and hands the excess back as OpenCV does: an equal batch to every bin,
 * then the integer residual one by one at a stride of `max(256 / residual, 1)` from bin 0.
 */
export function clipAndRedistribute(hist: Int32Array, clip: number): void {
  let clipped = 0;
  for (let v = 0; v < 256; v++) {
    if (hist[v] > clip) {
      clipped += hist[v] - clip;
      hist[v] = clip;
    }
  }
  const batch = Math.trunc(clipped / 256);
  let residual = clipped - batch * 256;
  for (let v = 0; v < 256; v++) hist[v] += batch;
  if (residual !== 0) {
    const step = Math.max(Math.trunc(256 / residual), 1);
    for (let v = 0; v < 256 && residual > 0; v += step, residual--) hist[v]++;
  }
}
