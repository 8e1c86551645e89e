import type { Samples } from './decoder.types.js';

/**
 * Little-endian bytes -> a typed array of `bitsAllocated`-bit words (8 -> Uint8Array, 16 ->
 * Uint16Array, 32 -> Uint32Array). A view when the offset is aligned, else an aligned copy. Hosts are
 * assumed little endian (x86-64, arm64), as typed arrays use the host byte order.
 */
export function wordsFromBytes(bytes: Uint8Array, bitsAllocated: number): Samples {
  if (bitsAllocated <= 8) return bytes;
  const size = bitsAllocated === 32 ? 4 : 2;
  const n = Math.floor(bytes.byteLength / size);
  const aligned = bytes.byteOffset % size === 0 ? bytes : bytes.slice();
  return size === 4
    ? new Uint32Array(aligned.buffer, aligned.byteOffset, n)
    : new Uint16Array(aligned.buffer, aligned.byteOffset, n);
}
