// Direct NHWC conv2d in WebAssembly SIMD on the register-tiled core of conv-tile.h (tiles of 4
// output pixels x 8 output channels summed over the taps and input channels):
// - conv2d_forward: out = clamp(bias + conv(x, w)) for any kernel size, stride and dilation, on an
//   input the caller zero-padded; the filter [kh, kw, cin, cout] is first packed in panels.
// - conv2d_backprop_input: the input gradient (= a transposed conv), walking only the taps that
//   hit each stride class of dx columns.
// Freestanding, no libc.
#include "conv-tile.h"

#define MAX_TAPS 1024

static Tap taps[MAX_TAPS];

static const Clamp kLinear = {-__builtin_inff(), __builtin_inff()};

// p = the [rows, cout] matrix w in panels (see panel_offset in conv-tile.h).
__attribute__((export_name("pack_panels"))) void pack_panels(const float *w, float *p, int rows, int cout) {
  for (int r = 0; r < rows; r++)
    for (int co = 0; co < cout; co++) p[panel_offset(r, co, rows, cout)] = w[r * cout + co];
}

// out [batch, ho, wo, cout] = clamp(bias + conv(xp, w), lo, hi). xp: [batch, hp, wp, cin], the input
// with its 'same'/explicit padding already applied (zeros), so that output (oy, ox) reads xp rows
// oy*sh + i*dh and columns ox*sw + j*dw. wpk: the filter [kh, kw, cin, cout] as a
// [kh*kw*cin, cout] matrix packed by pack_panels; bias: cout floats or 0.
// Returns 0, or -1 when the filter has more than MAX_TAPS taps.
__attribute__((export_name("conv2d_forward"))) int conv2d_forward(
    const float *xp, const float *wpk, const float *bias, float *out, int batch, int hp, int wp, int cin,
    int ho, int wo, int cout, int kh, int kw, int sh, int sw, int dh, int dw, float lo, float hi) {
  if (kh * kw > MAX_TAPS) return -1;
  const Clamp k = {lo, hi};
  for (int i = 0; i < kh; i++)
    for (int j = 0; j < kw; j++) {
      taps[i * kw + j].in_off = (i * dh * wp + j * dw) * cin;
      taps[i * kw + j].w_row = (i * kw + j) * cin;
    }
  for (int b = 0; b < batch; b++)
    conv_pixels(out + b * ho * wo * cout, cout, xp + b * hp * wp * cin, sh * wp * cin, sw * cin, wo, ho * wo, taps,
                kh * kw, wpk, kh * kw * cin, 1, cin, cout, bias, k);
  return 0;
}

static int floor_div(int a, int b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

// Input gradient of conv2d (= transposed conv). dyp: dy [batch, ho, wo, cout] with padl zero
// columns before and enough after (width wop); wt: the filter transposed to [kh, kw, cout, cin];
// dx: [batch, h, w, cin]. dx[b,iy,ix,ci] = sum over taps (i,j) with oy = (iy+top-i*dh)/sh and
// ox = (ix+left-j*dw)/sw integral and oy in range of dy[b,oy,ox,:] . wt[i,j,:,ci]; the columns of
// one stride class (ix = px + sw*m) share their taps and read consecutive dy pixels. Strided
// (transposed) convs thus do no multiply-adds with zeros and need no flipped filter.
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
            taps[nt].w_row = (i * kw + j) * cout;
            nt++;
          }
        }
        const int npix = (w - px + sw - 1) / sw;
        conv_pixels(dx + ((b * h + iy) * w + px) * cin, sw * cin, dyp, 0, cout, npix, npix, taps, nt, wt,
                    kh * kw * cout, 0, cout, cin, 0, kLinear);
      }
    }
  }
  return 0;
}
