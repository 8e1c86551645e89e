/*
 * CLAHE as OpenCV 4.6 `cv::CLAHE::apply` computes it for 8-bit images: per-tile clipped-histogram
 * LUTs (`CLAHE_CalcLut_Body`) and the bilinear blend of the four nearest tile LUTs
 * (`CLAHE_Interpolation_Body`). JS reference: clahe-tiles.util.ts and clahe.op.ts.
 *
 * LUT layout: float32, tile (tx, ty) at lut + (ty * tilesX + tx) * 256, one entry per gray level,
 * values 0..255 (OpenCV stores uchar and converts to float in the blend; storing the float saves
 * the conversion and changes nothing).
 */
#include <wasm_simd128.h>
#include "kernels.h"

/* Sub-histograms of the tile being counted (static: see histogram.c). */
static uint32_t tile_hist[8][256];

/* Adds src[0..n) to tile_hist, pixel k of each group of 8 to sub-histogram k (see histogram.c). */
static inline void accumulate8(const uint8_t *src, int32_t n) {
  int32_t i = 0;
  for (; i + 8 <= n; i += 8) {
    tile_hist[0][src[i]]++;
    tile_hist[1][src[i + 1]]++;
    tile_hist[2][src[i + 2]]++;
    tile_hist[3][src[i + 3]]++;
    tile_hist[4][src[i + 4]]++;
    tile_hist[5][src[i + 5]]++;
    tile_hist[6][src[i + 6]]++;
    tile_hist[7][src[i + 7]]++;
  }
  for (; i < n; i++) tile_hist[0][src[i]]++;
}

/*
 * Tiles cover the image padded on the bottom/right to (tilesX * tileW) x (tilesY * tileH) with
 * BORDER_REFLECT_101; the padding is read in place through two index maps built by the caller:
 *  - rows[y], y < tilesY * tileH: source row of padded row y;
 *  - padCols[k], k < tilesX * tileW - width: source column of padded column width + k.
 * `clip` is OpenCV's clip limit in pixels per bin (0: no clipping); `lutScale` = 255.f / area.
 * Tiles are counted one at a time; small tiles use one sub-histogram (clearing and summing eight
 * would cost more than the counting).
 */
EXPORT(clahe_luts)
void clahe_luts(const uint8_t *src, int32_t width, int32_t tilesX, int32_t tilesY, int32_t tileW,
                int32_t tileH, int32_t clip, float lutScale, const int32_t *rows, const int32_t *padCols,
                float *lut) {
  const int subs = tileW * tileH >= 4096 ? 8 : 1;
  uint32_t hist[256];
  for (int32_t ty = 0; ty < tilesY; ty++) {
    for (int32_t tx = 0; tx < tilesX; tx++) {
      __builtin_memset(tile_hist, 0, (uint32_t)subs * 256u * sizeof(uint32_t));
      const int32_t x0 = tx * tileW;
      const int32_t x1 = min_i32(x0 + tileW, width);
      for (int32_t yy = ty * tileH, yEnd = yy + tileH; yy < yEnd; yy++) {
        const uint8_t *row = src + (uint32_t)rows[yy] * (uint32_t)width;
        if (subs == 8) {
          if (x1 > x0) accumulate8(row + x0, x1 - x0);
        } else {
          for (int32_t x = x0; x < x1; x++) tile_hist[0][row[x]]++;
        }
        for (int32_t x = max_i32(x0, width); x < x0 + tileW; x++) tile_hist[0][row[padCols[x - width]]]++;
      }
      for (int v = 0; v < 256; v++) {
        uint32_t s = 0;
        for (int k = 0; k < subs; k++) s += tile_hist[k][v];
        hist[v] = s;
      }
      if (clip > 0) {
        /* Clip every bin, hand the excess back evenly, then the residual one by one at a stride. */
        int32_t clipped = 0;
        for (int v = 0; v < 256; v++) {
          if ((int32_t)hist[v] > clip) {
            clipped += (int32_t)hist[v] - clip;
            hist[v] = (uint32_t)clip;
          }
        }
        const int32_t batch = clipped / 256;
        int32_t residual = clipped - batch * 256;
        for (int v = 0; v < 256; v++) hist[v] += (uint32_t)batch;
        if (residual != 0) {
          const int32_t step = max_i32(256 / residual, 1);
          for (int32_t v = 0; v < 256 && residual > 0; v += step, residual--) hist[v]++;
        }
      }
      /* saturate_cast<uchar>(sum * lutScale): int -> float, float product, round half to even. */
      float *out = lut + (uint32_t)(ty * tilesX + tx) * 256u;
      int32_t sum = 0;
      for (int v = 0; v < 256; v++) {
        sum += (int32_t)hist[v];
        out[v] = (float)sat_u8_f32((float)sum * lutScale);
      }
    }
  }
}

/* Four pixels' blend, lanes = pixels: (l11 * xa1 + l12 * xa) * ya1 + (l21 * xa1 + l22 * xa) * ya. */
static inline void blend4(uint8_t *d, v128_t l11, v128_t l12, v128_t l21, v128_t l22, v128_t xa, v128_t xa1,
                          v128_t ya, v128_t ya1) {
  const v128_t top = wasm_f32x4_add(wasm_f32x4_mul(l11, xa1), wasm_f32x4_mul(l12, xa));
  const v128_t bottom = wasm_f32x4_add(wasm_f32x4_mul(l21, xa1), wasm_f32x4_mul(l22, xa));
  const v128_t res = wasm_f32x4_add(wasm_f32x4_mul(top, ya1), wasm_f32x4_mul(bottom, ya));
  /* saturate_cast<uchar>: round half to even, then the saturating narrows clamp to [0, 255]. */
  const v128_t r = wasm_i32x4_trunc_sat_f32x4(wasm_f32x4_nearest(res));
  const v128_t r16 = wasm_i16x8_narrow_i32x4(r, r);
  wasm_v128_store32_lane(d, wasm_u8x16_narrow_i16x8(r16, r16), 0);
}

/*
 * The blend, per pixel with value v and the four nearest tile LUTs l11 l12 (upper tile row, left
 * and right) and l21 l22 (lower), in OpenCV's float32 order:
 *   res = (l11[v] * xa1 + l12[v] * xa) * ya1 + (l21[v] * xa1 + l22[v] * xa) * ya
 * then saturate_cast<uchar>; four pixels per SIMD step (lanes are pixels, so every lane does
 * exactly the scalar float32 operations), a scalar tail with the same formula.
 *
 * Column terms are computed once (scratch layout, `width` entries each): ind1, ind2 (offsets of
 * the left and right tile LUT), xa, xa1 (float32), band (see below).
 *
 * Gathering the four LUT values costs four scalar loads per pixel. When tiles are large, the
 * kernel instead interleaves, for the current tile row pair, q[band][v] = {l11[v], l12[v], l21[v],
 * l22[v]} where band = tx1 + 1 in [0, tilesX] names the (left, right) tile pair of a column: one
 * 16-byte load per pixel, then a 4x4 transpose. `q` needs (tilesX + 1) * 4096 bytes, 16-aligned.
 */
EXPORT(clahe_interpolate)
void clahe_interpolate(const uint8_t *src, uint8_t *dst, int32_t width, int32_t height, int32_t tilesX,
                       int32_t tilesY, int32_t tileW, int32_t tileH, const float *lut, void *scratch, float *q) {
  int32_t *ind1 = (int32_t *)scratch;
  int32_t *ind2 = ind1 + width;
  float *xa = (float *)(ind2 + width);
  float *xa1 = xa + width;
  int32_t *band = (int32_t *)(xa1 + width);
  const float invTw = 1.0f / (float)tileW;
  for (int32_t x = 0; x < width; x++) {
    const float txf = (float)x * invTw - 0.5f;
    const int32_t tx1 = (int32_t)__builtin_floorf(txf);
    xa[x] = txf - (float)tx1;
    xa1[x] = 1.0f - xa[x];
    ind1[x] = max_i32(tx1, 0) * 256;
    ind2[x] = min_i32(tx1 + 1, tilesX - 1) * 256;
    band[x] = (tx1 + 1) * 1024;
  }
  /* Rebuilding q costs (tilesX + 1) * 256 entries per tile row; worth it if that is small next to
   * the tileH * width pixels that use it. */
  const int interleave = (int64_t)(tilesX + 1) * 256 * 4 <= (int64_t)tileH * width;
  const float invTh = 1.0f / (float)tileH;
  int32_t qTy = -2;
  for (int32_t y = 0; y < height; y++) {
    const float tyf = (float)y * invTh - 0.5f;
    const int32_t ty1 = (int32_t)__builtin_floorf(tyf);
    const float ya = tyf - (float)ty1;
    const float ya1 = 1.0f - ya;
    const v128_t vya = wasm_f32x4_splat(ya);
    const v128_t vya1 = wasm_f32x4_splat(ya1);
    const float *p1 = lut + max_i32(ty1, 0) * tilesX * 256;
    const float *p2 = lut + min_i32(ty1 + 1, tilesY - 1) * tilesX * 256;
    const uint8_t *s = src + (uint32_t)y * (uint32_t)width;
    uint8_t *d = dst + (uint32_t)y * (uint32_t)width;
    int32_t x = 0;
    if (interleave) {
      if (ty1 != qTy) {
        for (int32_t b = 0; b <= tilesX; b++) {
          const float *a1 = p1 + max_i32(b - 1, 0) * 256, *a2 = p1 + min_i32(b, tilesX - 1) * 256;
          const float *b1 = p2 + max_i32(b - 1, 0) * 256, *b2 = p2 + min_i32(b, tilesX - 1) * 256;
          float *qb = q + b * 1024;
          for (int v = 0; v < 256; v++) {
            qb[4 * v] = a1[v];
            qb[4 * v + 1] = a2[v];
            qb[4 * v + 2] = b1[v];
            qb[4 * v + 3] = b2[v];
          }
        }
        qTy = ty1;
      }
      for (; x + 4 <= width; x += 4) {
        const v128_t q0 = wasm_v128_load(q + band[x] + 4 * s[x]);
        const v128_t q1 = wasm_v128_load(q + band[x + 1] + 4 * s[x + 1]);
        const v128_t q2 = wasm_v128_load(q + band[x + 2] + 4 * s[x + 2]);
        const v128_t q3 = wasm_v128_load(q + band[x + 3] + 4 * s[x + 3]);
        const v128_t t0 = wasm_i32x4_shuffle(q0, q1, 0, 4, 1, 5);
        const v128_t t1 = wasm_i32x4_shuffle(q2, q3, 0, 4, 1, 5);
        const v128_t t2 = wasm_i32x4_shuffle(q0, q1, 2, 6, 3, 7);
        const v128_t t3 = wasm_i32x4_shuffle(q2, q3, 2, 6, 3, 7);
        blend4(d + x, wasm_i64x2_shuffle(t0, t1, 0, 2), wasm_i64x2_shuffle(t0, t1, 1, 3),
               wasm_i64x2_shuffle(t2, t3, 0, 2), wasm_i64x2_shuffle(t2, t3, 1, 3), wasm_v128_load(xa + x),
               wasm_v128_load(xa1 + x), vya, vya1);
      }
    } else {
      for (; x + 4 <= width; x += 4) {
        const int32_t v0 = s[x], v1 = s[x + 1], v2 = s[x + 2], v3 = s[x + 3];
        const int32_t a0 = ind1[x] + v0, a1 = ind1[x + 1] + v1, a2 = ind1[x + 2] + v2, a3 = ind1[x + 3] + v3;
        const int32_t b0 = ind2[x] + v0, b1 = ind2[x + 1] + v1, b2 = ind2[x + 2] + v2, b3 = ind2[x + 3] + v3;
        blend4(d + x, wasm_f32x4_make(p1[a0], p1[a1], p1[a2], p1[a3]), wasm_f32x4_make(p1[b0], p1[b1], p1[b2], p1[b3]),
               wasm_f32x4_make(p2[a0], p2[a1], p2[a2], p2[a3]), wasm_f32x4_make(p2[b0], p2[b1], p2[b2], p2[b3]),
               wasm_v128_load(xa + x), wasm_v128_load(xa1 + x), vya, vya1);
      }
    }
    for (; x < width; x++) {
      const int32_t v = s[x];
      const int32_t i1 = ind1[x] + v;
      const int32_t i2 = ind2[x] + v;
      const float res = (p1[i1] * xa1[x] + p1[i2] * xa[x]) * ya1 + (p2[i1] * xa1[x] + p2[i2] * xa[x]) * ya;
      d[x] = sat_u8_f32(res);
    }
  }
}
