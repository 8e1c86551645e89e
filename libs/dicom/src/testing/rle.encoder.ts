/**
 * RLE Lossless encoder for test fixtures (PS3.5 Annex G), the inverse of decoders/rle.decoder.ts:
 * one PackBits segment per byte of each sample, most significant byte first, each row encoded on
 * its own, segments padded to even length.
 */
export interface RleFrameSpec {
  rows: number;
  columns: number;
  samplesPerPixel: number;
  bitsAllocated: 8 | 16 | 32;
}

/** `samples` are interleaved, one element per sample (Uint8Array for 8 bits, Uint16Array for 16...). */
export function encodeRleFrame(samples: ArrayLike<number>, spec: RleFrameSpec): Uint8Array {
  const { rows, columns, samplesPerPixel: spp } = spec;
  const bytesPerSample = spec.bitsAllocated / 8;
  const segments: Uint8Array[] = [];
  for (let s = 0; s < spp; s++) {
    for (let b = bytesPerSample - 1; b >= 0; b--) {
      const plane = new Uint8Array(rows * columns);
      for (let p = 0; p < rows * columns; p++) plane[p] = (samples[p * spp + s] >>> (8 * b)) & 0xff;
      const encoded: number[] = [];
      for (let r = 0; r < rows; r++) packBits(plane.subarray(r * columns, (r + 1) * columns), encoded);
      if (encoded.length % 2 === 1) encoded.push(0);
      segments.push(Uint8Array.from(encoded));
    }
  }
  const header = new Uint8Array(64);
  const view = new DataView(header.buffer);
  view.setUint32(0, segments.length, true);
  let offset = 64;
  segments.forEach((seg, i) => {
    view.setUint32(4 + 4 * i, offset, true);
    offset += seg.length;
  });
  const out = new Uint8Array(offset);
  out.set(header);
  let o = 64;
  for (const seg of segments) {
    out.set(seg, o);
    o += seg.length;
  }
  return out;
}

/** PackBits (PS3.5 G.3.1): runs of 2..128 equal bytes as (257 - n, byte), else literals of 1..128. */
export function packBits(src: Uint8Array, out: number[] = []): number[] {
  let i = 0;
  while (i < src.length) {
    let run = 1;
    while (i + run < src.length && run < 128 && src[i + run] === src[i]) run++;
    if (run >= 2) {
      out.push(257 - run, src[i]);
      i += run;
      continue;
    }
    let j = i + 1;
    while (j < src.length && j - i < 128 && !(j + 1 < src.length && src[j] === src[j + 1])) j++;
    out.push(j - i - 1);
    for (let k = i; k < j; k++) out.push(src[k]);
    i = j;
  }
  return out;
}
