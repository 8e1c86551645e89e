// The register-tiled core shared by the direct and Winograd convolutions: sums
//
//   out[p, co] = clamp(bias[co] + sum_{taps t} sum_{c} in[addr(p, t) + c] * w[t][c][co], lo, hi)
//
// over tiles of 4 output pixels x 8 output channels (8 SIMD accumulators); with one tap at offset
// 0 it is a plain GEMM (rows of `in` times the [cred, cout] matrix `w`). The caller lays the input
// out with zero padding, so the inner loops never test bounds. The weights are a [rows, cout]
// matrix (rows = taps * cred), either row-major or packed in panels (pack_panels: the columns of
// each tile contiguous, so that the tile streams its weights sequentially). Multiply-adds are fused
// (f32x4.relaxed_madd) when the module is built with relaxed SIMD (-mrelaxed-simd), else a
// float32 multiply then add. Freestanding, no libc.
#ifndef CONV_TILE_H
#define CONV_TILE_H
#include <wasm_simd128.h>

#define INLINE static inline __attribute__((always_inline))

#ifdef __wasm_relaxed_simd__
#define MADD(a, b, c) ((v128_t)__builtin_wasm_relaxed_madd_f32x4((__f32x4)(a), (__f32x4)(b), (__f32x4)(c)))
#else
#define MADD(a, b, c) wasm_f32x4_add(wasm_f32x4_mul(a, b), c)
#endif

typedef struct {
  int in_off; // floats from the input base to the tap's first pixel
  int w_row;  // the tap's first row of the weight matrix
} Tap;

// The output activation as a clamp: linear (-inf, inf), relu (0, inf), relu6 (0, 6).
typedef struct {
  float lo, hi;
} Clamp;

// pmax/pmin with v first keep NaN (as the scalar comparisons below do).
INLINE v128_t clamp_f32x4(v128_t v, Clamp k) {
  return wasm_f32x4_pmin(wasm_f32x4_pmax(v, wasm_f32x4_splat(k.lo)), wasm_f32x4_splat(k.hi));
}

INLINE float clamp_f32(float v, Clamp k) { return v < k.lo ? k.lo : v > k.hi ? k.hi : v; }

// NP pixels (input pixel r at in[r], output pixel r at out + r*ostep) x 4*NV channels; weight row
// r of these channels at w + r*wstride.
INLINE void block_vec(float *out, int ostep, const float *const *in, const Tap *tp, int nt,
                      const float *w, int cred, int wstride, const float *bias, Clamp k, int NP, int NV) {
  v128_t a[4][2];
  for (int v = 0; v < NV; v++) {
    const v128_t b0 = bias ? wasm_v128_load(bias + 4 * v) : wasm_f32x4_splat(0.f);
    for (int r = 0; r < NP; r++) a[r][v] = b0;
  }
  for (int t = 0; t < nt; t++) {
    const float *xp[4];
    for (int r = 0; r < NP; r++) xp[r] = in[r] + tp[t].in_off;
    const float *wp = w + tp[t].w_row * wstride;
    for (int c = 0; c < cred; c++) {
      v128_t d[2];
      for (int v = 0; v < NV; v++) d[v] = wasm_v128_load(wp + 4 * v);
      for (int r = 0; r < NP; r++) {
        const v128_t s = wasm_v128_load32_splat(xp[r] + c);
        for (int v = 0; v < NV; v++) a[r][v] = MADD(s, d[v], a[r][v]);
      }
      wp += wstride;
    }
  }
  for (int r = 0; r < NP; r++)
    for (int v = 0; v < NV; v++) wasm_v128_store(out + r * ostep + 4 * v, clamp_f32x4(a[r][v], k));
}

// The cout % 4 tail: one output channel, NP pixels.
INLINE void block_scalar(float *out, int ostep, const float *const *in, const Tap *tp, int nt,
                         const float *w, int cred, int wstride, const float *bias, Clamp k, int NP) {
  float a[4];
  for (int r = 0; r < NP; r++) a[r] = bias ? bias[0] : 0.f;
  for (int t = 0; t < nt; t++) {
    const float *wp = w + tp[t].w_row * wstride;
    for (int c = 0; c < cred; c++) {
      const float d = wp[c * wstride];
      for (int r = 0; r < NP; r++) a[r] += in[r][tp[t].in_off + c] * d;
    }
  }
  for (int r = 0; r < NP; r++) out[r * ostep] = clamp_f32(a[r], k);
}

#define PIX_DISPATCH(CALL)                                                                        \
  switch (np) {                                                                                   \
  case 4: CALL(4); break;                                                                         \
  case 3: CALL(3); break;                                                                         \
  case 2: CALL(2); break;                                                                         \
  default: CALL(1); break;                                                                        \
  }

// Where weight (r, co) of a [rows, cout] matrix lies in its panel layout: the 8-column tiles,
// then a 4-column tile, then single columns (as conv_pixels walks them), each rows x width row-major.
INLINE int panel_offset(int r, int co, int rows, int cout) {
  const int cv = cout & ~3, c8 = cv & ~7;
  if (co < c8) return (co & ~7) * rows + r * 8 + (co & 7);
  if (co < cv) return c8 * rows + r * 4 + (co & 3);
  return co * rows + r;
}

// Input floats (pixels x rows) that conv_pixels keeps in cache while it walks all output channels.
#define CHUNK_FLOATS 65536


// npix output pixels in rows of `rowlen`: pixel p = (row q, column j) reads the input at
// in + q*irow + j*istep and is written to out + p*ostep, all output channels. A conv passes its
// output rows, a GEMM one row. w: the [rows, cout] weight matrix, in panels when `packed`, else
// row-major. Pixels go in chunks whose inputs stay in cache; per chunk each weight tile is loaded
// once per 4 pixels.
static void conv_pixels(float *out, int ostep, const float *in, int irow, int istep, int rowlen, int npix,
                        const Tap *tp, int nt, const float *w, int rows, int packed, int cred, int cout,
                        const float *bias, Clamp k) {
  const int cv = cout & ~3;
  const int chunk = CHUNK_FLOATS / rows < 4 ? 4 : (CHUNK_FLOATS / rows) & ~3;
  for (int c0 = 0; c0 < npix; c0 += chunk) {
    const int cend = npix - c0 < chunk ? npix : c0 + chunk;
#define PIXELS(BLOCK)                                                                             \
  for (int p0 = c0; p0 < cend; p0 += 4) {                                                         \
    const int np = cend - p0 < 4 ? cend - p0 : 4;                                                 \
    const float *x[4];                                                                            \
    for (int r = 0; r < np; r++) x[r] = in + (p0 + r) / rowlen * irow + (p0 + r) % rowlen * istep; \
    float *o = out + p0 * ostep + co;                                                             \
    const float *bb = bias ? bias + co : 0;                                                       \
    PIX_DISPATCH(BLOCK)                                                                           \
  }
    int co = 0;
    for (; co + 8 <= cv; co += 8) {
      const float *wb = packed ? w + co * rows : w + co;
      const int ws = packed ? 8 : cout;
#define V2(N) block_vec(o, ostep, x, tp, nt, wb, cred, ws, bb, k, N, 2)
      PIXELS(V2)
    }
    for (; co < cv; co += 4) {
      const float *wb = packed ? w + co * rows : w + co;
      const int ws = packed ? 4 : cout;
#define V1(N) block_vec(o, ostep, x, tp, nt, wb, cred, ws, bb, k, N, 1)
      PIXELS(V1)
    }
    for (; co < cout; co++) {
      const float *wb = packed ? w + co * rows : w + co;
      const int ws = packed ? 1 : cout;
#define S1(N) block_scalar(o, ostep, x, tp, nt, wb, cred, ws, bb, k, N)
      PIXELS(S1)
    }
  }
}

#endif
