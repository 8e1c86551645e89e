import { DicomErrorCode, dicomError } from '../dicom.errors.js';
import type { DecodedFrame, FrameDecoder, FrameInfo, Samples } from './decoder.types.js';

/**
 * RLE Lossless (PS3.5 Annex G). A frame is a 64-byte header (segment count, then up to 15 segment
 * offsets, all uint32 LE) followed by PackBits segments. There is one segment per byte of each
 * sample, most significant byte first, sample by sample: 8-bit RGB is R, G, B; 16-bit gray is
 * high, low; 16-bit RGB is R-high, R-low, G-high, G-low, B-high, B-low. Each segment decodes to
 * Rows x Columns bytes, so the result is planar-by-construction and is interleaved here.
 */
export function createRleDecoder(): FrameDecoder {
  return { decode: decodeRle };
}

export function decodeRle(frame: Uint8Array, info: FrameInfo): DecodedFrame {
  const { rows, columns, samplesPerPixel: spp, bitsAllocated } = info;
  const pixels = rows * columns;
  const bytesPerSample = Math.ceil(bitsAllocated / 8);
  const segments = spp * bytesPerSample;
  if (frame.length < 64) fail(`frame of ${frame.length} bytes is shorter than the 64-byte RLE header`);
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const count = view.getUint32(0, true);
  if (count !== segments)
    fail(`header declares ${count} segments, expected ${segments} (${spp} x ${bytesPerSample} bytes)`);
  const offsets: number[] = [];
  for (let s = 0; s < count; s++) offsets.push(view.getUint32(4 + 4 * s, true));
  offsets.push(frame.length);
  for (let s = 0; s < count; s++) {
    if (offsets[s] < 64 || offsets[s] > offsets[s + 1])
      fail(`segment ${s} offset ${offsets[s]} is out of order or range`);
  }
  // Decode each segment straight into its byte lane of the interleaved little-endian output.
  const out = new Uint8Array(pixels * segments);
  for (let s = 0; s < count; s++) {
    const sample = Math.floor(s / bytesPerSample);
    const byteInSample = bytesPerSample - 1 - (s % bytesPerSample); // MSB segment first -> LE lane
    unpackBits(
      frame.subarray(offsets[s], offsets[s + 1]),
      out,
      sample * bytesPerSample + byteInSample,
      segments,
      pixels,
      s,
    );
  }
  let samples: Samples = out;
  if (bytesPerSample === 2) samples = new Uint16Array(out.buffer);
  else if (bytesPerSample === 4) samples = new Uint32Array(out.buffer);
  return { samples, width: columns, height: rows, components: spp, planar: false };
}

/**
 * PackBits: header byte n; 0..127 copy the next n+1 bytes; -1..-127 repeat the next byte 1-n times;
 * -128 is a no-op. Writes `count` bytes at out[start + k * stride]; bytes beyond `count` (segment
 * padding) are ignored, fewer is an error.
 */
function unpackBits(
  src: Uint8Array,
  out: Uint8Array,
  start: number,
  stride: number,
  count: number,
  segment: number,
): void {
  let i = 0;
  let k = 0;
  let o = start;
  while (k < count && i < src.length) {
    const n = src[i++];
    if (n < 128) {
      const len = Math.min(n + 1, count - k, src.length - i);
      for (let j = 0; j < len; j++, o += stride) out[o] = src[i + j];
      i += n + 1;
      k += len;
    } else if (n > 128) {
      if (i >= src.length) break;
      const len = Math.min(257 - n, count - k);
      const v = src[i++];
      for (let j = 0; j < len; j++, o += stride) out[o] = v;
      k += len;
    }
  }
  if (k < count) fail(`segment ${segment} decodes to ${k} bytes, expected ${count}`);
}

function fail(message: string): never {
  throw dicomError(DicomErrorCode.DECODE_FAILED, `RLE Lossless: ${message}`);
}
