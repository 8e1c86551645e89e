// The input gradient of an NHWC conv2d (= a transposed conv) in WebAssembly SIMD, as register-tiled
// sums
//
//   out[p, co] = sum_{taps t} sum_{c} in[addr(p, t) + c] * w[t][c][co]
//
// over a tile of 4 output pixels x 8 output channels (8 SIMD accumulators). The input is laid out
// by the caller with zero padding, so the inner loops never test bounds. (The same core can run a
// forward conv; measured, it only tied XNNPACK there, so forward convs stay with tfjs-wasm.)
// Freestanding, no libc.
#include <wasm_simd128.h>

#define INLINE static inline __attribute__((always_inline))
#define MAX_TAPS 1024

typedef struct {
  int in_off; // floats from the input base to the tap's first pixel
  int w_off;  // floats from the weight base to the tap's [c][cout] block
} Tap;

static Tap taps[MAX_TAPS];

// NP pixels (input pixel r at in + r*istep, output pixel r at out + r*ostep) x 4*NV channels.
INLINE void block_vec(float *out, int ostep, const float *in, int istep, const Tap *tp, int nt,
                      const float *w, int cred, int cout, const float *bias, int relu, int NP, int NV) {
  v128_t a[4][2];
  for (int v = 0; v < NV; v++) {
    const v128_t b0 = bias ? wasm_v128_load(bias + 4 * v) : wasm_f32x4_splat(0.f);
    for (int r = 0; r < NP; r++) a[r][v] = b0;
  }
  for (int t = 0; t < nt; t++) {
    const float *xp = in + tp[t].in_off;
    const float *wp = w + tp[t].w_off;
    for (int c = 0; c < cred; c++) {
      v128_t d[2];
      for (int v = 0; v < NV; v++) d[v] = wasm_v128_load(wp + 4 * v);
      for (int r = 0; r < NP; r++) {
        const v128_t s = wasm_v128_load32_splat(xp + r * istep);
        for (int v = 0; v < NV; v++) a[r][v] = wasm_f32x4_add(a[r][v], wasm_f32x4_mul(s, d[v]));
      }
      xp++;
      wp += cout;
    }
  }
  const v128_t zero = wasm_f32x4_splat(0.f);
  for (int r = 0; r < NP; r++)
    for (int v = 0; v < NV; v++)
      wasm_v128_store(out + r * ostep + 4 * v, relu ? wasm_f32x4_pmax(zero, a[r][v]) : a[r][v]);
}

// The cout % 4 tail: one output channel, NP pixels.
INLINE void block_scalar(float *out, int ostep, const float *in, int istep, const Tap *tp, int nt,
                         const float *w, int cred, int cout, const float *bias, int relu, int NP) {
  float a[4];
  for (int r = 0; r < NP; r++) a[r] = bias ? bias[0] : 0.f;
  for (int t = 0; t < nt; t++) {
    const float *xp = in + tp[t].in_off;
    const float *wp = w + tp[t].w_off;
    for (int c = 0; c < cred; c++) {
      const float d = wp[c * cout];
      for (int r = 0; r < NP; r++) a[r] += xp[r * istep + c] * d;
    }
  }
  for (int r = 0; r < NP; r++) out[r * ostep] = relu && !(a[r] > 0.f) ? 0.f : a[r];
}

#define PIX_DISPATCH(CALL)                                                                        \
  switch (np) {                                                                                   \
  case 4: CALL(4); break;                                                                         \
  case 3: CALL(3); break;                                                                         \
  case 2: CALL(2); break;                                                                         \
  default: CALL(1); break;                                                                        \
  }

// npix output pixels of one row (or one stride class of a row), all output channels.
static void conv_row(float *out, int ostep, const float *in, int istep, int npix, const Tap *tp, int nt,
                     const float *w, int cred, int cout, const float *bias, int relu) {
  const int cv = cout & ~3;
  for (int p0 = 0; p0 < npix; p0 += 4) {
    const int np = npix - p0 < 4 ? npix - p0 : 4;
    float *o = out + p0 * ostep;
    const float *x = in + p0 * istep;
    int co = 0;
    for (; co + 8 <= cv; co += 8) {
      const float *bb = bias ? bias + co : 0;
#define V2(N) block_vec(o + co, ostep, x, istep, tp, nt, w + co, cred, cout, bb, relu, N, 2)
      PIX_DISPATCH(V2)
    }
    for (; co < cv; co += 4) {
      const float *bb = bias ? bias + co : 0;
#define V1(N) block_vec(o + co, ostep, x, istep, tp, nt, w + co, cred, cout, bb, relu, N, 1)
      PIX_DISPATCH(V1)
    }
    for (; co < cout; co++) {
      const float *bb = bias ? bias + co : 0;
#define S1(N) block_scalar(o + co, ostep, x, istep, tp, nt, w + co, cred, cout, bb, relu, N)
      PIX_DISPATCH(S1)
    }
  }
}

static int floor_div(int a, int b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

// Input gradient of conv2d (= transposed conv). dyp: dy [batch, ho, wo, cout] with padl zero
// columns before and enough after (width wop); wt: the filter transposed to [kh, kw, cout, cin];
// dx: [batch, h, w, cin]. dx[b,iy,ix,ci] = sum over taps (i,j) with oy = (iy+top-i*dh)/sh and
// ox = (ix+left-j*dw)/sw integral and oy in range of dy[b,oy,ox,:] . wt[i,j,:,ci]; the columns of
// one stride class (ix = px + sw*m) share their taps and read consecutive dy pixels.
__attribute__((export_name("conv2d_backprop_input"))) int conv2d_backprop_input(
    const float *dyp, const float *wt, float *dx, int batch, int h, int w, int cin, int ho, int wop,
    int cout, int kh, int kw, int sh, int sw, int dh, int dw, int top, int left, int padl) {
  if (kh * kw > MAX_TAPS) return -1;
  for (int b = 0; b < batch; b++) {
    for (int iy = 0; iy < h; iy++) {
      for (int px = 0; px < sw && px < w; px++) {
        int nt = 0;
        for (int i = 0; i < kh; i++) {
          const int t = iy + top - i * dh;
          const int oy = floor_div(t, sh);
          if (oy * sh != t || oy < 0 || oy >= ho) continue;
          for (int j = 0; j < kw; j++) {
            const int u = px + left - j * dw;
            const int ox = floor_div(u, sw);
            if (ox * sw != u) continue;
            taps[nt].in_off = ((b * ho + oy) * wop + ox + padl) * cout;
            taps[nt].w_off = (i * kw + j) * cout * cin;
            nt++;
          }
        }
        const int npix = (w - px + sw - 1) / sw;
        conv_row(dx + ((b * h + iy) * w + px) * cin, sw * cin, dyp, cout, npix, taps, nt, wt, cout, cin,
                 0, 0);
      }
    }
  }
  return 0;
}
