/*
 * 256-bin histogram and 256-entry LUT application over 8-bit samples (equalizeHist). Integer
 * only, hence exact.
 *
 * Scratch tables are static (in the module's .bss, below __heap_base): a static array sits at a
 * link-time address, which wasm folds into the load/store offset, saving an add per access.
 */
#include "kernels.h"

/* 8 interleaved sub-histograms (see histogram_u8). */
static uint32_t sub_hist[8][256];

/*
 * Adds the histogram of src[0..n) to `hist` (256 u32 counters, not cleared here). Pixel k of every
 * group of 8 goes to sub-histogram k: runs of equal pixels (the black surround of a fundus image)
 * then hit 8 different counters, so an increment does not wait on the store of the previous one.
 */
EXPORT(histogram_u8)
void histogram_u8(const uint8_t *src, uint32_t n, uint32_t *hist) {
  __builtin_memset(sub_hist, 0, sizeof sub_hist);
  uint32_t i = 0;
  for (; i + 8 <= n; i += 8) {
    sub_hist[0][src[i]]++;
    sub_hist[1][src[i + 1]]++;
    sub_hist[2][src[i + 2]]++;
    sub_hist[3][src[i + 3]]++;
    sub_hist[4][src[i + 4]]++;
    sub_hist[5][src[i + 5]]++;
    sub_hist[6][src[i + 6]]++;
    sub_hist[7][src[i + 7]]++;
  }
  for (; i < n; i++) sub_hist[0][src[i]]++;
  for (int v = 0; v < 256; v++) {
    uint32_t s = 0;
    for (int k = 0; k < 8; k++) s += sub_hist[k][v];
    hist[v] += s;
  }
}

/* lut2[(b << 8) | a] = lut[a] | lut[b] << 8: two pixels (one little-endian u16) per lookup. */
static uint16_t lut2[65536];

/*
 * dst[i] = lut[src[i]] for i < n (src and dst may be the same buffer). Builds the 128 KiB pair
 * table (65536 stores, cheap next to a megapixel image), then maps 2 pixels per load.
 */
EXPORT(apply_lut_u8)
void apply_lut_u8(const uint8_t *src, uint8_t *dst, uint32_t n, const uint8_t *lut) {
  for (uint32_t b = 0; b < 256; b++) {
    const uint32_t hi = (uint32_t)lut[b] << 8;
    for (uint32_t a = 0; a < 256; a++) lut2[(b << 8) | a] = (uint16_t)(hi | lut[a]);
  }
  uint32_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const uint64_t w = load_u64(src + i);
    const uint64_t o = (uint64_t)lut2[w & 0xffff] | ((uint64_t)lut2[(w >> 16) & 0xffff] << 16) |
                       ((uint64_t)lut2[(w >> 32) & 0xffff] << 32) | ((uint64_t)lut2[w >> 48] << 48);
    store_u64(dst + i, o);
  }
  for (; i < n; i++) dst[i] = lut[src[i]];
}
