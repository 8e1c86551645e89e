// Column sums of a row-major [rows, cols] float32 matrix in float64 (as tfjs's cpu backend sums),
// e.g. bias and batch-norm gradients: sum over the leading axes of an NHWC tensor.
#include <wasm_simd128.h>

#define INLINE static inline __attribute__((always_inline))

// 4*NV columns from col0, all rows; acc in float64 pairs.
INLINE void cols_vec(const float *x, double *out, int rows, int cols, int NV) {
  v128_t a[8];
  for (int v = 0; v < 2 * NV; v++) a[v] = wasm_f64x2_splat(0.0);
  for (int r = 0; r < rows; r++) {
    const float *p = x + (long)r * cols;
    for (int v = 0; v < NV; v++) {
      const v128_t f = wasm_v128_load(p + 4 * v);
      a[2 * v] = wasm_f64x2_add(a[2 * v], wasm_f64x2_promote_low_f32x4(f));
      a[2 * v + 1] =
          wasm_f64x2_add(a[2 * v + 1], wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(f, f, 2, 3, 0, 1)));
    }
  }
  for (int v = 0; v < 2 * NV; v++) wasm_v128_store(out + 2 * v, a[v]);
}

__attribute__((export_name("column_sums_f64"))) void column_sums_f64(const float *x, double *out, int rows,
                                                                    int cols) {
  int c = 0;
  for (; c + 16 <= cols; c += 16) cols_vec(x + c, out + c, rows, cols, 4);
  for (; c + 4 <= cols; c += 4) cols_vec(x + c, out + c, rows, cols, 1);
  for (; c < cols; c++) {
    double s = 0;
    for (int r = 0; r < rows; r++) s += x[(long)r * cols + c];
    out[c] = s;
  }
}
