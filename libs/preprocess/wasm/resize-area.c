/*
 * INTER_AREA downscaling as OpenCV 4.6 `cv::resize` does it for 8-bit, 1-channel images:
 * `resizeAreaFast_` for integer factors and `resizeArea_<uchar, float>` otherwise. The JS side
 * (resize-area.util.ts) builds the tap tables exactly as `computeResizeAreaTab`; these kernels
 * only run the arithmetic, in OpenCV's order.
 */
#include "kernels.h"

/*
 * Integer factors fx x fy. 2x2 uses OpenCV's SIMD formula (a + b + c + d + 2) >> 2; other factors
 * sum the box in int and apply saturate_cast<uchar>(sum * scale) with scale = 1.f / (fx * fy).
 * `rowSum` is dw u32 of scratch.
 */
EXPORT(resize_area_integer)
void resize_area_integer(const uint8_t *src, int32_t sw, uint8_t *dst, int32_t dw, int32_t dh, int32_t fx,
                         int32_t fy, float scale, uint32_t *rowSum) {
  if (fx == 2 && fy == 2) {
    for (int32_t dy = 0; dy < dh; dy++) {
      const uint8_t *r0 = src + (uint32_t)(2 * dy) * (uint32_t)sw;
      const uint8_t *r1 = r0 + sw;
      uint8_t *d = dst + (uint32_t)dy * (uint32_t)dw;
      for (int32_t dx = 0; dx < dw; dx++) {
        d[dx] = (uint8_t)((r0[2 * dx] + r0[2 * dx + 1] + r1[2 * dx] + r1[2 * dx + 1] + 2) >> 2);
      }
    }
    return;
  }
  for (int32_t dy = 0; dy < dh; dy++) {
    for (int32_t dx = 0; dx < dw; dx++) rowSum[dx] = 0;
    for (int32_t r = 0; r < fy; r++) {
      const uint8_t *s = src + (uint32_t)(dy * fy + r) * (uint32_t)sw;
      for (int32_t dx = 0; dx < dw; dx++) {
        uint32_t acc = 0;
        for (int32_t k = 0; k < fx; k++) acc += *s++;
        rowSum[dx] += acc;
      }
    }
    uint8_t *d = dst + (uint32_t)dy * (uint32_t)dw;
    for (int32_t dx = 0; dx < dw; dx++) d[dx] = sat_u8_f32((float)rowSum[dx] * scale);
  }
}

/*
 * Generic factors. Tap tables (built by the caller, in OpenCV's order):
 *  - horizontal: destination column dx reads taps xStart[dx] .. xStart[dx + 1] - 1, tap k being
 *    source column xSrc[k] with weight xAlpha[k];
 *  - vertical: destination row dy reads taps yStart[dy] .. yStart[dy + 1] - 1 (ySrc, yAlpha).
 * Each source row is reduced into buf[dx] = ((0 + S*a0) + S*a1) + ... in float32 (a row shared by
 * two destination rows is reduced once: same result), then sum[dx] = beta0 * buf0[dx], sum[dx] +=
 * beta_j * buf_j[dx] for the later taps, then saturate_cast<uchar>(sum[dx]). `buf` and `sum` are
 * dw floats of scratch each.
 */
EXPORT(resize_area_generic)
void resize_area_generic(const uint8_t *src, int32_t sw, uint8_t *dst, int32_t dw, int32_t dh,
                         const int32_t *xStart, const int32_t *xSrc, const float *xAlpha, const int32_t *yStart,
                         const int32_t *ySrc, const float *yAlpha, float *buf, float *sum) {
  int32_t lastRow = -1;
  for (int32_t dy = 0; dy < dh; dy++) {
    for (int32_t j = yStart[dy]; j < yStart[dy + 1]; j++) {
      const int32_t sy = ySrc[j];
      const float beta = yAlpha[j];
      if (sy != lastRow) {
        const uint8_t *s = src + (uint32_t)sy * (uint32_t)sw;
        int32_t k = xStart[0];
        for (int32_t dx = 0; dx < dw; dx++) {
          float acc = 0.0f;
          for (const int32_t kEnd = xStart[dx + 1]; k < kEnd; k++) acc += (float)s[xSrc[k]] * xAlpha[k];
          buf[dx] = acc;
        }
        lastRow = sy;
      }
      if (j == yStart[dy]) {
        for (int32_t dx = 0; dx < dw; dx++) sum[dx] = beta * buf[dx];
      } else {
        for (int32_t dx = 0; dx < dw; dx++) sum[dx] += beta * buf[dx];
      }
    }
    uint8_t *d = dst + (uint32_t)dy * (uint32_t)dw;
    for (int32_t dx = 0; dx < dw; dx++) d[dx] = sat_u8_f32(sum[dx]);
  }
}
