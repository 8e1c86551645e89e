/*
 * Shared declarations of ROPline's preprocessing kernels (libs/preprocess/wasm).
 *
 * Build model: freestanding C compiled with `clang --target=wasm32 -O3 -msimd128 -mbulk-memory
 * -ffp-contract=off`, linked with wasm-ld and no libc (see build.sh).
 *
 * Memory layout: one linear memory, exported as `memory`: the 64 KiB C stack first (an overflow
 * traps instead of overwriting data), then the static tables (.bss: two sets of 8 x 256
 * sub-histograms, the 128 KiB pair LUT), then, from the exported `__heap_base` up, an arena owned
 * by the JavaScript side (src/kernels/wasm-kernels.util.ts). For each call JS lays out the call's
 * buffers there (16-byte aligned), copies the input in, calls the kernel and copies the output
 * out, growing the memory when an image needs more. The kernels never allocate: every image buffer
 * and size-dependent scratch area is passed in as a pointer (an offset into the memory); only
 * fixed-size tables are static. Nothing is reentrant, which single-threaded JS never needs.
 *
 * Exactness: the kernels replicate OpenCV 4.6's arithmetic. Integer paths are exact by
 * construction; float paths use IEEE float32 (wasm f32 ops are correctly rounded, there is no FMA
 * in wasm SIMD128 and -ffp-contract=off forbids contraction anyway), in OpenCV's evaluation order,
 * and OpenCV's `saturate_cast<uchar>(float)` = round half to even (`f32.nearest`) then clamp.
 */
#ifndef ROPLINE_PREPROCESS_KERNELS_H
#define ROPLINE_PREPROCESS_KERNELS_H

#include <stdint.h>

#define EXPORT(name) __attribute__((export_name(#name))) __attribute__((visibility("default")))

/* `saturate_cast<uchar>(float)`: cvRound (round half to even) then clamp to [0, 255]. */
static inline uint8_t sat_u8_f32(float v) {
  float r = __builtin_rintf(v);
  if (!(r > 0.0f)) return 0;
  if (r > 255.0f) return 255;
  return (uint8_t)(int32_t)r;
}

static inline int32_t min_i32(int32_t a, int32_t b) { return a < b ? a : b; }
static inline int32_t max_i32(int32_t a, int32_t b) { return a > b ? a : b; }

/* Unaligned little-endian loads/stores (wasm allows them; memcpy keeps the C well defined). */
static inline uint64_t load_u64(const uint8_t *p) {
  uint64_t v;
  __builtin_memcpy(&v, p, 8);
  return v;
}
static inline void store_u64(uint8_t *p, uint64_t v) { __builtin_memcpy(p, &v, 8); }

#endif
