/*
 * RGB -> gray with decimal weights, exact: gray = min(255, floor((wr R + wg G + wb B + half) / scale))
 * where weight = w / scale, scale = 10^k and half = scale / 2 (round half up; see to-gray.op.ts).
 *
 * Layout: `src` is interleaved RGB (3 bytes per pixel, no row padding), `dst` 1 byte per pixel,
 * `n` pixels. The JS side picks the kernel and precomputes its constants.
 */
#include <wasm_simd128.h>
#include "kernels.h"

/* The fixed shift of the fast path: floor(x / scale) == (x * magic) >> GRAY_SHIFT. */
#define GRAY_SHIFT 22

/*
 * SIMD path, 16 pixels per iteration. Preconditions (checked by the caller, to-gray.op.ts):
 *  - 255 * (wr + wg + wb) + half < 65536, so every term and the sum fit an unsigned 16-bit lane
 *    (i16x8.mul keeps the low 16 bits, which is then the exact product);
 *  - for every x in that range, x * magic < 2^32 and (x * magic) >> 22 == floor(x / scale) (the
 *    caller verifies this exhaustively); the shift is a constant because LLVM 14 scalarizes a
 *    vector shift by a loop-invariant variable amount;
 *  - the quotient is <= 765 (weights <= 1), so the saturating i16 -> u8 narrow is the clamp to 255.
 * The 48-byte block is split into R, G and B planes with two byte shuffles per channel.
 */
EXPORT(gray_rgb_fixed16)
void gray_rgb_fixed16(const uint8_t *src, uint8_t *dst, uint32_t n, uint32_t wr, uint32_t wg, uint32_t wb,
                      uint32_t half, uint32_t magic) {
  const v128_t vr = wasm_i16x8_splat((int16_t)wr);
  const v128_t vg = wasm_i16x8_splat((int16_t)wg);
  const v128_t vb = wasm_i16x8_splat((int16_t)wb);
  const v128_t vh = wasm_i16x8_splat((int16_t)half);
  const v128_t vm = wasm_i32x4_splat((int32_t)magic);
  uint32_t i = 0;
  for (; i + 16 <= n; i += 16, src += 48, dst += 16) {
    const v128_t a = wasm_v128_load(src);
    const v128_t b = wasm_v128_load(src + 16);
    const v128_t c = wasm_v128_load(src + 32);
    /* Byte 3k + ch of the block: bytes 0..15 in a, 16..31 in b, 32..47 in c. */
    v128_t r = wasm_i8x16_shuffle(a, b, 0, 3, 6, 9, 12, 15, 18, 21, 24, 27, 30, 0, 0, 0, 0, 0);
    r = wasm_i8x16_shuffle(r, c, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 17, 20, 23, 26, 29);
    v128_t g = wasm_i8x16_shuffle(a, b, 1, 4, 7, 10, 13, 16, 19, 22, 25, 28, 31, 0, 0, 0, 0, 0);
    g = wasm_i8x16_shuffle(g, c, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 18, 21, 24, 27, 30);
    v128_t bl = wasm_i8x16_shuffle(a, b, 2, 5, 8, 11, 14, 17, 20, 23, 26, 29, 0, 0, 0, 0, 0, 0);
    bl = wasm_i8x16_shuffle(bl, c, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 16, 19, 22, 25, 28, 31);

    const v128_t s0 = wasm_i16x8_add(
        wasm_i16x8_add(wasm_i16x8_mul(wasm_u16x8_extend_low_u8x16(r), vr),
                       wasm_i16x8_mul(wasm_u16x8_extend_low_u8x16(g), vg)),
        wasm_i16x8_add(wasm_i16x8_mul(wasm_u16x8_extend_low_u8x16(bl), vb), vh));
    const v128_t s1 = wasm_i16x8_add(
        wasm_i16x8_add(wasm_i16x8_mul(wasm_u16x8_extend_high_u8x16(r), vr),
                       wasm_i16x8_mul(wasm_u16x8_extend_high_u8x16(g), vg)),
        wasm_i16x8_add(wasm_i16x8_mul(wasm_u16x8_extend_high_u8x16(bl), vb), vh));

    const v128_t q0 = wasm_u32x4_shr(wasm_i32x4_mul(wasm_u32x4_extend_low_u16x8(s0), vm), GRAY_SHIFT);
    const v128_t q1 = wasm_u32x4_shr(wasm_i32x4_mul(wasm_u32x4_extend_high_u16x8(s0), vm), GRAY_SHIFT);
    const v128_t q2 = wasm_u32x4_shr(wasm_i32x4_mul(wasm_u32x4_extend_low_u16x8(s1), vm), GRAY_SHIFT);
    const v128_t q3 = wasm_u32x4_shr(wasm_i32x4_mul(wasm_u32x4_extend_high_u16x8(s1), vm), GRAY_SHIFT);
    const v128_t lo = wasm_u16x8_narrow_i32x4(q0, q1);
    const v128_t hi = wasm_u16x8_narrow_i32x4(q2, q3);
    wasm_v128_store(dst, wasm_u8x16_narrow_i16x8(lo, hi));
  }
  for (; i < n; i++, src += 3, dst++) {
    const uint32_t q = ((wr * src[0] + wg * src[1] + wb * src[2] + half) * magic) >> GRAY_SHIFT;
    *dst = q > 255 ? 255 : (uint8_t)q;
  }
}

/*
 * Any weights with scale <= 10^6: the sum stays below 2^31, so u32 arithmetic and one exact
 * integer division per pixel.
 */
EXPORT(gray_rgb_generic)
void gray_rgb_generic(const uint8_t *src, uint8_t *dst, uint32_t n, uint32_t wr, uint32_t wg, uint32_t wb,
                      uint32_t half, uint32_t scale) {
  for (uint32_t i = 0; i < n; i++, src += 3) {
    const uint32_t q = (wr * src[0] + wg * src[1] + wb * src[2] + half) / scale;
    dst[i] = q > 255 ? 255 : (uint8_t)q;
  }
}
