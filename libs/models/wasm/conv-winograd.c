// 3x3 stride-1 NHWC conv2d by Winograd minimal filtering in WebAssembly SIMD (Lavin & Gray 2016):
// each m x m output tile is A^T [ sum_c (G g_c G^T) . (B^T d_c B) ] A for the a x a input patch d
// (a = m + 2), so a tile costs a^2 multiply-adds per (cin, cout) instead of 9 m^2:
//   F(2x2, 3x3): a = 4, 2.25x fewer than a direct conv; exact-ish (coefficients 0, +-1, 1/2)
//   F(4x4, 3x3): a = 6, 4x fewer; interpolation points 0, +-1, +-2 (coefficients up to 8 and
//                1/24: float32 error ~1e-6 of the output scale), bigger transforms per tile
// Per chunk of tiles:
//   1. input transform  V[k][t][c] = (B^T d_t,c B)[k]              (k < a^2, 4 channels per SIMD op)
//   2. a^2 GEMMs        M[k] = V[k] [tiles x cin] * U[k] [cin x cout]  (the core of conv-tile.h)
//   3. output transform out[t] = clamp(bias + A^T M[.][t] A), written straight to the output
// U = G g G^T comes from winograd_filter_f2x2 / winograd_filter_f4x4 (the caller keeps it per
// weight tensor). Freestanding, no libc.
#include "conv-tile.h"

static const Clamp kLinear = {-__builtin_inff(), __builtin_inff()};
static const Tap kGemm = {0, 0};

// G per tile size (a x 3): F(2x2, 3x3) and F(4x4, 3x3).
static const double kG2[4][3] = {{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}};
static const double kG4[6][3] = {{1. / 4, 0, 0},          {-1. / 6, -1. / 6, -1. / 6}, {-1. / 6, 1. / 6, -1. / 6},
                                 {1. / 24, 1. / 12, 1. / 6}, {1. / 24, -1. / 12, 1. / 6}, {0, 0, 1}};

// u [a*a] x [cinp, coutp] = G g G^T per (ci, co) of w [3][3][cin][cout] (in float64, rounded once),
// each of the a*a matrices packed in panels (panel_offset); zero where ci >= cin or co >= cout.
static void filter_transform(const double (*g)[3], int a, const float *w, float *u, int cin, int cout, int cinp,
                             int coutp) {
  for (int ci = 0; ci < cinp; ci++)
    for (int co = 0; co < coutp; co++) {
      double f[3][3], t[6][3];
      for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) f[i][j] = ci < cin && co < cout ? w[((i * 3 + j) * cin + ci) * cout + co] : 0.;
      for (int i = 0; i < a; i++)
        for (int j = 0; j < 3; j++) t[i][j] = g[i][0] * f[0][j] + g[i][1] * f[1][j] + g[i][2] * f[2][j];
      for (int i = 0; i < a; i++)
        for (int j = 0; j < a; j++)
          u[(i * a + j) * cinp * coutp + panel_offset(ci, co, cinp, coutp)] =
              (float)(t[i][0] * g[j][0] + t[i][1] * g[j][1] + t[i][2] * g[j][2]);
    }
}

__attribute__((export_name("winograd_filter_f2x2"))) void winograd_filter_f2x2(const float *w, float *u, int cin,
                                                                              int cout, int cinp, int coutp) {
  filter_transform(kG2, 4, w, u, cin, cout, cinp, coutp);
}

__attribute__((export_name("winograd_filter_f4x4"))) void winograd_filter_f4x4(const float *w, float *u, int cin,
                                                                              int cout, int cinp, int coutp) {
  filter_transform(kG4, 6, w, u, cin, cout, cinp, coutp);
}

INLINE v128_t muls(v128_t x, float f) { return wasm_f32x4_mul(x, wasm_f32x4_splat(f)); }

// y = B^T x for a vectors x (4 channels each).
INLINE void bt(int a, v128_t *y, const v128_t *x) {
  if (a == 4) { // rows (x0 - x2, x1 + x2, x2 - x1, x1 - x3)
    y[0] = wasm_f32x4_sub(x[0], x[2]);
    y[1] = wasm_f32x4_add(x[1], x[2]);
    y[2] = wasm_f32x4_sub(x[2], x[1]);
    y[3] = wasm_f32x4_sub(x[1], x[3]);
    return;
  }
  // B^T = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0; 0 -2 -1 2 1 0; 0 2 -1 -2 1 0; 0 4 0 -5 0 1]
  const v128_t t0 = wasm_f32x4_sub(x[4], muls(x[2], 4.f)), t1 = wasm_f32x4_sub(x[3], muls(x[1], 4.f));
  const v128_t t2 = wasm_f32x4_sub(x[4], x[2]), t3 = muls(wasm_f32x4_sub(x[3], x[1]), 2.f);
  y[0] = wasm_f32x4_sub(wasm_f32x4_add(x[4], muls(x[0], 4.f)), muls(x[2], 5.f));
  y[1] = wasm_f32x4_add(t0, t1);
  y[2] = wasm_f32x4_sub(t0, t1);
  y[3] = wasm_f32x4_add(t2, t3);
  y[4] = wasm_f32x4_sub(t2, t3);
  y[5] = wasm_f32x4_sub(wasm_f32x4_add(x[5], muls(x[1], 4.f)), muls(x[3], 5.f));
}

// y = A^T x for a vectors x: m = a - 2 outputs.
INLINE void at(int a, v128_t *y, const v128_t *x) {
  if (a == 4) { // (x0 + x1 + x2, x1 - x2 - x3)
    y[0] = wasm_f32x4_add(wasm_f32x4_add(x[0], x[1]), x[2]);
    y[1] = wasm_f32x4_sub(wasm_f32x4_sub(x[1], x[2]), x[3]);
    return;
  }
  // A^T = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1]
  const v128_t p = wasm_f32x4_add(x[1], x[2]), q = wasm_f32x4_sub(x[1], x[2]);
  const v128_t r = wasm_f32x4_add(x[3], x[4]), s = wasm_f32x4_sub(x[3], x[4]);
  y[0] = wasm_f32x4_add(wasm_f32x4_add(x[0], p), r);
  y[1] = wasm_f32x4_add(q, muls(s, 2.f));
  y[2] = wasm_f32x4_add(p, muls(r, 4.f));
  y[3] = wasm_f32x4_add(wasm_f32x4_add(q, muls(s, 8.f)), x[5]);
}

// V for `n` tiles from tile index t0 on (tiles run over batch, tile rows, tile columns).
INLINE void input_transform(int a, float *v, int chunk, const float *xp, int t0, int n, int th, int tw, int hp,
                            int wp, int cinp) {
  const int m = a - 2;
  for (int t = 0; t < n; t++) {
    const int tile = t0 + t, tx = tile % tw, ty = (tile / tw) % th, b = tile / (tw * th);
    const float *d = xp + ((b * hp + m * ty) * wp + m * tx) * cinp;
    float *vt = v + t * cinp;
    for (int c = 0; c < cinp; c += 4) {
      v128_t r[6][6], s[6][6], x[6];
      for (int i = 0; i < a; i++) {
        for (int j = 0; j < a; j++) x[j] = wasm_v128_load(d + (i * wp + j) * cinp + c);
        bt(a, r[i], x);
      }
      for (int j = 0; j < a; j++) {
        for (int i = 0; i < a; i++) x[i] = r[i][j];
        bt(a, s[j], x);
      }
      for (int i = 0; i < a; i++)
        for (int j = 0; j < a; j++) wasm_v128_store(vt + (i * a + j) * chunk * cinp + c, s[j][i]);
    }
  }
}

INLINE void output_transform(int a, float *out, const float *mm, int chunk, const float *bias, Clamp k, int t0,
                             int n, int th, int tw, int ho, int wo, int cout, int coutp) {
  const int m = a - 2;
  for (int t = 0; t < n; t++) {
    const int tile = t0 + t, tx = tile % tw, ty = (tile / tw) % th, b = tile / (tw * th);
    const int rows = ho - m * ty < m ? ho - m * ty : m, cols = wo - m * tx < m ? wo - m * tx : m;
    float *o = out + ((b * ho + m * ty) * wo + m * tx) * cout;
    const float *mt = mm + t * coutp;
    for (int c = 0; c < coutp; c += 4) {
      v128_t r[6][4], y[4][4], x[6];
      for (int i = 0; i < a; i++) {
        for (int j = 0; j < a; j++) x[j] = wasm_v128_load(mt + (i * a + j) * chunk * coutp + c);
        at(a, r[i], x);
      }
      for (int j = 0; j < m; j++) {
        for (int i = 0; i < a; i++) x[i] = r[i][j];
        at(a, y[j], x); // y[j][i]: row i, col j
      }
      const v128_t b0 = bias ? wasm_v128_load(bias + c) : wasm_f32x4_splat(0.f);
      for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++) {
          const v128_t val = clamp_f32x4(wasm_f32x4_add(y[j][i], b0), k);
          float *dst = o + (i * wo + j) * cout + c;
          if (c + 4 <= cout) {
            wasm_v128_store(dst, val);
          } else {
            float lanes[4];
            wasm_v128_store(lanes, val);
            for (int l = 0; l < cout - c; l++) dst[l] = lanes[l];
          }
        }
    }
  }
}

// out [batch, ho, wo, cout] = clamp(bias + conv3x3(xp, w), lo, hi), stride 1, dilation 1, by
// m x m tiles (a = m + 2). xp: [batch, hp, wp, cinp] zero-padded so that output (oy, ox) reads rows
// oy..oy+2 and columns ox..ox+2, with hp >= m*ceil(ho/m) + 2 and wp >= m*ceil(wo/m) + 2 (whole
// patches), cinp a multiple of 4 (zero channels). u: the filter transform; bias: coutp floats or 0.
// v, mm: scratch of a*a*chunk*cinp and a*a*chunk*coutp floats.
INLINE void winograd(int a, const float *xp, const float *u, const float *bias, float *out, float *v, float *mm,
                     int chunk, int batch, int hp, int wp, int cinp, int ho, int wo, int cout, int coutp, float lo,
                     float hi) {
  const Clamp k = {lo, hi};
  const int m = a - 2, th = (ho + m - 1) / m, tw = (wo + m - 1) / m, tiles = batch * th * tw;
  for (int t0 = 0; t0 < tiles; t0 += chunk) {
    const int n = tiles - t0 < chunk ? tiles - t0 : chunk;
    input_transform(a, v, chunk, xp, t0, n, th, tw, hp, wp, cinp);
    for (int e = 0; e < a * a; e++)
      conv_pixels(mm + e * chunk * coutp, coutp, v + e * chunk * cinp, 0, cinp, n, n, &kGemm, 1,
                  u + e * cinp * coutp, cinp, 1, cinp, coutp, 0, kLinear);
    output_transform(a, out, mm, chunk, bias, k, t0, n, th, tw, ho, wo, cout, coutp);
  }
}

__attribute__((export_name("conv3x3_winograd_f2x2"))) void conv3x3_winograd_f2x2(
    const float *xp, const float *u, const float *bias, float *out, float *v, float *mm, int chunk, int batch,
    int hp, int wp, int cinp, int ho, int wo, int cout, int coutp, float lo, float hi) {
  winograd(4, xp, u, bias, out, v, mm, chunk, batch, hp, wp, cinp, ho, wo, cout, coutp, lo, hi);
}

__attribute__((export_name("conv3x3_winograd_f4x4"))) void conv3x3_winograd_f4x4(
    const float *xp, const float *u, const float *bias, float *out, float *v, float *mm, int chunk, int batch,
    int hp, int wp, int cinp, int ho, int wo, int cout, int coutp, float lo, float hi) {
  winograd(6, xp, u, bias, out, v, mm, chunk, batch, hp, wp, cinp, ho, wo, cout, coutp, lo, hi);
}
