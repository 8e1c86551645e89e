// Conv2DBackpropFilter (NHWC) as a direct WebAssembly SIMD kernel, no im2col, no transposes:
//
//   dw[i,j,ci,co] = sum_{b,oy,ox} x[b, oy*sh + i*dh - top, ox*sw + j*dw - left, ci] * dy[b,oy,ox,co]
//
// (taps outside x read zero padding, i.e. are skipped). The work is split into one output row
// (b, oy) at a time, so that the rows of x and dy it reads stay in cache while every tap and
// every register tile of dw runs over them; each tile of dw (4 input channels x 8 output
// channels = 8 SIMD accumulators) is loaded once per row, accumulated over the row's pixels in
// registers and stored back. Sums are float32, like tfjs's cpu backend (in another order).
// Freestanding: no libc; the caller lays out x, dy and dw in this module's memory.
#include <wasm_simd128.h>

#define INLINE static inline __attribute__((always_inline))

typedef struct {
  int ox0, ox1;     // output columns whose tap is inside x: [ox0, ox1)
  int xstep;        // floats between the x pixels of consecutive output columns (sw * cin)
} Span;

// acc rows ci0..ci0+NR-1, columns co0..co0+4*NV-1 of one tap's [cin][cout] block.
INLINE void tile_vec(float *acc, int cout, const float *xp, int xstep, const float *dp, int n, int NR,
                     int NV) {
  v128_t a[4][2];
  for (int r = 0; r < NR; r++)
    for (int v = 0; v < NV; v++) a[r][v] = wasm_v128_load(acc + r * cout + 4 * v);
  for (int p = 0; p < n; p++) {
    v128_t d[2];
    for (int v = 0; v < NV; v++) d[v] = wasm_v128_load(dp + 4 * v);
    for (int r = 0; r < NR; r++) {
      v128_t s = wasm_v128_load32_splat(xp + r);
      for (int v = 0; v < NV; v++) a[r][v] = wasm_f32x4_add(a[r][v], wasm_f32x4_mul(s, d[v]));
    }
    xp += xstep;
    dp += cout;
  }
  for (int r = 0; r < NR; r++)
    for (int v = 0; v < NV; v++) wasm_v128_store(acc + r * cout + 4 * v, a[r][v]);
}

// One output column co (the cout % 4 tail), 4 input channels at a time as a vector.
INLINE void tile_col4(float *acc, int cout, const float *xp, int xstep, const float *dp, int n) {
  v128_t a = wasm_f32x4_make(acc[0], acc[cout], acc[2 * cout], acc[3 * cout]);
  for (int p = 0; p < n; p++) {
    a = wasm_f32x4_add(a, wasm_f32x4_mul(wasm_v128_load(xp), wasm_v128_load32_splat(dp)));
    xp += xstep;
    dp += cout;
  }
  acc[0] = wasm_f32x4_extract_lane(a, 0);
  acc[cout] = wasm_f32x4_extract_lane(a, 1);
  acc[2 * cout] = wasm_f32x4_extract_lane(a, 2);
  acc[3 * cout] = wasm_f32x4_extract_lane(a, 3);
}

INLINE void tile_scalar(float *acc, int cout, const float *xp, int xstep, const float *dp, int n) {
  float a = acc[0];
  for (int p = 0; p < n; p++) {
    a += xp[0] * dp[0];
    xp += xstep;
    dp += cout;
  }
  acc[0] = a;
}

#define ROWS_DISPATCH(NV)                                                                         \
  switch (nr) {                                                                                   \
  case 4: tile_vec(acc, cout, xp, xstep, dp, n, 4, NV); break;                                   \
  case 3: tile_vec(acc, cout, xp, xstep, dp, n, 3, NV); break;                                   \
  case 2: tile_vec(acc, cout, xp, xstep, dp, n, 2, NV); break;                                   \
  default: tile_vec(acc, cout, xp, xstep, dp, n, 1, NV); break;                                  \
  }

// Accumulates one tap over n consecutive output pixels into its [cin][cout] block `blk`.
static void tap_row(float *blk, const float *x, const float *dy, int n, int xstep, int cin, int cout) {
  const int cv = cout & ~3;
  for (int ci0 = 0; ci0 < cin; ci0 += 4) {
    const int nr = cin - ci0 < 4 ? cin - ci0 : 4;
    int co0 = 0;
    for (; co0 + 8 <= cv; co0 += 8) {
      float *acc = blk + ci0 * cout + co0;
      const float *xp = x + ci0, *dp = dy + co0;
      ROWS_DISPATCH(2)
    }
    for (; co0 < cv; co0 += 4) {
      float *acc = blk + ci0 * cout + co0;
      const float *xp = x + ci0, *dp = dy + co0;
      ROWS_DISPATCH(1)
    }
    for (; co0 < cout; co0++) {
      for (int r = 0; r < nr;) {
        float *acc = blk + (ci0 + r) * cout + co0;
        const float *xp = x + ci0 + r, *dp = dy + co0;
        if (nr - r == 4) {
          tile_col4(acc, cout, xp, xstep, dp, n);
          r += 4;
        } else {
          tile_scalar(acc, cout, xp, xstep, dp, n);
          r++;
        }
      }
    }
  }
}

static int ceil_div(int a, int b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }
static int floor_div(int a, int b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

__attribute__((export_name("conv2d_filter_grad"))) void conv2d_filter_grad(
    const float *x, const float *dy, float *dw, int batch, int h, int w, int cin, int ho, int wo,
    int cout, int kh, int kw, int sh, int sw, int dh, int dwd, int top, int left) {
  const int blk = cin * cout;
  __builtin_memset(dw, 0, (unsigned long)kh * kw * blk * sizeof(float));
  for (int b = 0; b < batch; b++) {
    for (int oy = 0; oy < ho; oy++) {
      const float *dyrow = dy + ((long)b * ho + oy) * wo * cout;
      for (int i = 0; i < kh; i++) {
        const int iy = oy * sh + i * dh - top;
        if (iy < 0 || iy >= h) continue;
        const float *xrow = x + ((long)b * h + iy) * w * cin;
        for (int j = 0; j < kw; j++) {
          // ix = ox*sw + j*dwd - left in [0, w)
          const int off = j * dwd - left;
          int ox0 = ceil_div(-off, sw), ox1 = floor_div(w - 1 - off, sw) + 1;
          if (ox0 < 0) ox0 = 0;
          if (ox1 > wo) ox1 = wo;
          if (ox1 <= ox0) continue;
          tap_row(dw + (i * kw + j) * blk, xrow + (ox0 * sw + off) * cin, dyrow + ox0 * cout, ox1 - ox0,
                  sw * cin, cin, cout);
        }
      }
    }
  }
}
