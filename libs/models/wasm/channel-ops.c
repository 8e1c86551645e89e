// Per-channel (last axis) elementwise ops and strided copies on NHWC float32 data, wasm SIMD.
#include <wasm_simd128.h>

// Copies `runs` runs of `len` floats: run r from src + r*src_stride to dst + r*dst_stride.
__attribute__((export_name("strided_copy_f32"))) void strided_copy_f32(float *dst, int dst_stride,
                                                                      const float *src, int src_stride,
                                                                      int len, int runs) {
  for (int r = 0; r < runs; r++) {
    float *d = dst + (long)r * dst_stride;
    const float *s = src + (long)r * src_stride;
    int i = 0;
    for (; i + 4 <= len; i += 4) wasm_v128_store(d + i, wasm_v128_load(s + i));
    for (; i < len; i++) d[i] = s[i];
  }
}

enum { OP_MUL = 0, OP_ADD = 1, OP_SUB = 2, OP_DIV = 3, OP_RSUB = 4, OP_RDIV = 5 };

// out[i, k] = x[i, k] (op) v[k]   (RSUB / RDIV: v[k] (op) x[i, k]); n = rows * c.
__attribute__((export_name("channel_binary_f32"))) void channel_binary_f32(const float *x, const float *v,
                                                                          float *out, int n, int c, int op) {
  if ((c & 3) != 0) {
    for (int i = 0; i < n; i += c)
      for (int k = 0; k < c; k++) {
        const float a = x[i + k], b = v[k];
        out[i + k] = op == OP_MUL ? a * b
                     : op == OP_ADD ? a + b
                     : op == OP_SUB ? a - b
                     : op == OP_DIV ? a / b
                     : op == OP_RSUB ? b - a
                                     : b / a;
      }
    return;
  }
  for (int i = 0; i < n; i += c) {
    for (int k = 0; k < c; k += 4) {
      const v128_t a = wasm_v128_load(x + i + k), b = wasm_v128_load(v + k);
      v128_t r;
      switch (op) {
      case OP_MUL: r = wasm_f32x4_mul(a, b); break;
      case OP_ADD: r = wasm_f32x4_add(a, b); break;
      case OP_SUB: r = wasm_f32x4_sub(a, b); break;
      case OP_DIV: r = wasm_f32x4_div(a, b); break;
      case OP_RSUB: r = wasm_f32x4_sub(b, a); break;
      default: r = wasm_f32x4_div(b, a); break;
      }
      wasm_v128_store(out + i + k, r);
    }
  }
}

// Batch norm with per-channel parameters: out = (x - mean[k]) * mul[k] + add[k], where the caller
// passes mul = scale / sqrt(variance + epsilon) and add = offset.
__attribute__((export_name("channel_batch_norm_f32"))) void channel_batch_norm_f32(
    const float *x, const float *mean, const float *mul, const float *add, float *out, int n, int c) {
  if ((c & 3) != 0) {
    for (int i = 0; i < n; i += c)
      for (int k = 0; k < c; k++) out[i + k] = (x[i + k] - mean[k]) * mul[k] + add[k];
    return;
  }
  for (int i = 0; i < n; i += c)
    for (int k = 0; k < c; k += 4) {
      const v128_t d = wasm_f32x4_sub(wasm_v128_load(x + i + k), wasm_v128_load(mean + k));
      wasm_v128_store(out + i + k,
                      wasm_f32x4_add(wasm_f32x4_mul(d, wasm_v128_load(mul + k)), wasm_v128_load(add + k)));
    }
}
