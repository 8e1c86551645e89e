/**
 * 256-bin histogram of 8-bit samples. Reads four pixels per 32-bit word into four interleaved
 * sub-histograms: consecutive equal pixels (common in smooth fundus images) then hit different
 * counters, which removes the store-to-load dependency that makes the naive loop ~2x slower.
 */
export function histogram256(data: Uint8Array, start = 0, end = data.length): Int32Array {
  const sub = new Int32Array(1024);
  let i = start;
  // Align to 4 bytes so the Uint32Array view below is legal.
  while (i < end && ((data.byteOffset + i) & 3) !== 0) sub[data[i++]]++;
  const words = (end - i) >> 2;
  if (words > 0) {
    const u32 = new Uint32Array(data.buffer, data.byteOffset + i, words);
    for (let k = 0; k < words; k++) {
      const v = u32[k];
      sub[v & 255]++;
      sub[256 + ((v >>> 8) & 255)]++;
      sub[512 + ((v >>> 16) & 255)]++;
      sub[768 + (v >>> 24)]++;
    }
    i += words << 2;
  }
  while (i < end) sub[data[i++]]++;
  const hist = new Int32Array(256);
  for (let k = 0; k < 256; k++) hist[k] = sub[k] + sub[256 + k] + sub[512 + k] + sub[768 + k];
  return hist;
}

/**
 * `dst[i] = lut[src[i]]`, four pixels per 32-bit word. Byte order does not matter: each byte is
 * written back to the lane it was read from.
 */
export function applyLut256(src: Uint8Array, lut: Uint8Array, dst: Uint8Array): void {
  const n = src.length;
  const l = new Int32Array(256);
  for (let k = 0; k < 256; k++) l[k] = lut[k];
  let i = 0;
  const aligned = ((src.byteOffset | dst.byteOffset) & 3) === 0;
  if (aligned) {
    const words = n >> 2;
    const s32 = new Uint32Array(src.buffer, src.byteOffset, words);
    const d32 = new Uint32Array(dst.buffer, dst.byteOffset, words);
    for (let k = 0; k < words; k++) {
      const v = s32[k];
      d32[k] = l[v & 255] | (l[(v >>> 8) & 255] << 8) | (l[(v >>> 16) & 255] << 16) | (l[v >>> 24] << 24);
    }
    i = words << 2;
  }
  for (; i < n; i++) dst[i] = l[src[i]];
}
