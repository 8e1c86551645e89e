// MaxPoolGrad (NHWC float32) with tfjs's tie rule: the whole gradient of a window goes to the
// FIRST x (row-major window order, padding excluded) equal to the pooled max y; when none equals
// y (an output not produced by MaxPool from this x), to the first strict maximum; nothing when y
// is -Infinity or no x beats -Infinity. Overlapping windows accumulate. dx must be zeroed.
#include <wasm_simd128.h>

static int first_strict_max(const float *x, int start, int rows, int cols, int row_stride, int c) {
  float best = -__builtin_inff();
  int at = -1;
  for (int r = 0, row = start; r < rows; r++, row += row_stride)
    for (int k = 0, p = row; k < cols; k++, p += c)
      if (x[p] > best) {
        best = x[p];
        at = p;
      }
  return at;
}

static int first_equal(const float *x, float m, int start, int rows, int cols, int row_stride, int c) {
  for (int r = 0, row = start; r < rows; r++, row += row_stride)
    for (int k = 0, p = row; k < cols; k++, p += c)
      if (x[p] == m) return p;
  return -1;
}

__attribute__((export_name("max_pool_grad_f32"))) void max_pool_grad_f32(
    const float *x, const float *y, const float *dy, float *dx, int batch, int h, int w, int c, int ho,
    int wo, int sh, int sw, int fh, int fw, int top, int left) {
  const int row_stride = w * c;
  // SIMD when windows never overlap (each dx written by at most one window) and c % 4 == 0.
  const int simd = sh >= fh && sw >= fw && (c & 3) == 0;
  const v128_t neg_inf = wasm_f32x4_splat(-__builtin_inff());
  for (int b = 0; b < batch; b++)
    for (int oy = 0; oy < ho; oy++) {
      const int y0 = oy * sh - top;
      const int ymin = y0 > 0 ? y0 : 0, ymax = y0 + fh < h ? y0 + fh : h;
      for (int ox = 0; ox < wo; ox++) {
        const int x0 = ox * sw - left;
        const int xmin = x0 > 0 ? x0 : 0, xmax = x0 + fw < w ? x0 + fw : w;
        const int o = ((b * ho + oy) * wo + ox) * c;
        const int corner = ((b * h + ymin) * w + xmin) * c;
        const int rows = ymax - ymin, cols = xmax - xmin;
        int ch = 0;
        if (simd) {
          for (; ch < c; ch += 4) {
            const v128_t m = wasm_v128_load(y + o + ch);
            const v128_t g = wasm_v128_load(dy + o + ch);
            // lanes still looking for their position; -Infinity outputs pass nothing
            v128_t open = wasm_f32x4_ne(m, neg_inf);
            for (int r = 0, row = corner + ch; r < rows; r++, row += row_stride)
              for (int k = 0, p = row; k < cols; k++, p += c) {
                const v128_t hit = wasm_v128_and(wasm_f32x4_eq(wasm_v128_load(x + p), m), open);
                wasm_v128_store(dx + p, wasm_v128_and(hit, g));
                open = wasm_v128_andnot(open, hit);
              }
            if (wasm_v128_any_true(open)) { // no x equals y in some lane: tfjs's strict arg-max
              for (int l = 0; l < 4; l++) {
                const int lane_open = l == 0   ? wasm_i32x4_extract_lane(open, 0)
                                      : l == 1 ? wasm_i32x4_extract_lane(open, 1)
                                      : l == 2 ? wasm_i32x4_extract_lane(open, 2)
                                               : wasm_i32x4_extract_lane(open, 3);
                if (!lane_open) continue;
                const int at = first_strict_max(x, corner + ch + l, rows, cols, row_stride, c);
                if (at >= 0) dx[at] += dy[o + ch + l];
              }
            }
          }
        }
        for (; ch < c; ch++) {
          const float m = y[o + ch];
          if (m == -__builtin_inff()) continue;
          int at = first_equal(x, m, corner + ch, rows, cols, row_stride, c);
          if (at < 0) at = first_strict_max(x, corner + ch, rows, cols, row_stride, c);
          if (at >= 0) dx[at] += dy[o + ch];
        }
      }
    }
}
