import type { PixelDataRef, PixelFragment } from '../dicom.dataset.js';
import { DicomErrorCode, dicomError } from '../dicom.errors.js';
import { TransferSyntax } from '../uid.constants.js';
import type { PixelModule } from './pixel-module.js';

/**
 * Bytes of one frame, ready for its codec. Native data comes back little endian whatever the
 * dataset's byte order, and 1-bit data unpacked to one byte (0/1) per pixel. Encapsulated data comes
 * back as the frame's fragments concatenated (a view when the frame is a single fragment).
 */
export function extractFrame(
  pd: PixelDataRef,
  pm: PixelModule,
  index: number,
  transferSyntaxUid: string,
): Uint8Array {
  return pd.encapsulated
    ? encapsulatedFrame(pd.fragments, pd.offsetTable, pm.frames, index, transferSyntaxUid)
    : nativeFrame(pd.bytes, pd.vr, pd.littleEndian, pm, index);
}

/** Stored bytes per native frame; YBR_FULL_422 keeps 2 samples per pixel (Y Y Cb Cr per pair). */
export function nativeFrameBytes(pm: PixelModule): number {
  const bytesPerSample = pm.bitsAllocated / 8;
  if (isSubsampled422(pm)) return pm.rows * Math.ceil(pm.columns / 2) * 4 * bytesPerSample;
  return pm.rows * pm.columns * pm.samplesPerPixel * bytesPerSample;
}

export function isSubsampled422(pm: Pick<PixelModule, 'photometric' | 'samplesPerPixel'>): boolean {
  return (
    pm.samplesPerPixel === 3 && (pm.photometric === 'YBR_FULL_422' || pm.photometric === 'YBR_PARTIAL_422')
  );
}

function nativeFrame(
  bytes: Uint8Array,
  vr: string,
  littleEndian: boolean,
  pm: PixelModule,
  index: number,
): Uint8Array {
  if (pm.bitsAllocated === 1) return bitFrame(bytes, vr, littleEndian, pm, index);
  const size = nativeFrameBytes(pm);
  const start = index * size;
  if (start + size > bytes.length) throw shortPixelData(bytes.length, index, start + size);
  const frame = bytes.subarray(start, start + size);
  const wordSize = littleEndian
    ? 1
    : pm.bitsAllocated === 32
      ? 4
      : pm.bitsAllocated === 16 || vr === 'OW'
        ? 2
        : 1;
  return wordSize === 1 ? frame : swapBytes(frame, wordSize);
}

/** Bit k of the pixel stream is bit (k % 8) of byte k / 8, least significant first (PS3.5 8.1.1). */
function bitFrame(
  bytes: Uint8Array,
  vr: string,
  littleEndian: boolean,
  pm: PixelModule,
  index: number,
): Uint8Array {
  const pixels = pm.rows * pm.columns * pm.samplesPerPixel;
  const firstBit = index * pixels;
  const endByte = Math.ceil((firstBit + pixels) / 8);
  if (endByte > bytes.length) throw shortPixelData(bytes.length, index, endByte);
  const source =
    !littleEndian && vr === 'OW' ? swapBytes(bytes.subarray(0, endByte + (endByte % 2)), 2) : bytes;
  const out = new Uint8Array(pixels);
  for (let k = 0; k < pixels; k++) {
    const bit = firstBit + k;
    out[k] = (source[bit >> 3] >> (bit & 7)) & 1;
  }
  return out;
}

function swapBytes(src: Uint8Array, wordSize: 2 | 4): Uint8Array {
  const out = new Uint8Array(src.length);
  const n = src.length - (src.length % wordSize);
  for (let i = 0; i < n; i += wordSize) {
    for (let j = 0; j < wordSize; j++) out[i + j] = src[i + wordSize - 1 - j];
  }
  return out;
}

function shortPixelData(have: number, index: number, need: number) {
  return dicomError(
    DicomErrorCode.TRUNCATED,
    `Pixel Data holds ${have} bytes but frame ${index} needs bytes up to ${need}`,
    { pixelDataBytes: have, frame: index, needBytes: need },
  );
}

/**
 * Groups fragments into frames (PS3.5 A.4): a single frame is all fragments; with a usable Basic
 * Offset Table each frame is the fragments between its offsets; with as many fragments as frames,
 * one each; otherwise a new frame starts at each fragment that begins with the codec's start
 * marker (JPEG SOI, JPEG 2000 SOC or JP2 signature). RLE frames without a table cannot be grouped.
 */
function encapsulatedFrame(
  fragments: readonly PixelFragment[],
  offsetTable: readonly number[],
  frames: number,
  index: number,
  transferSyntaxUid: string,
): Uint8Array {
  if (fragments.length === 0) {
    throw dicomError(DicomErrorCode.DECODE_FAILED, 'Encapsulated Pixel Data holds no fragments');
  }
  if (frames === 1) return concat(fragments);
  const groups =
    groupByOffsetTable(fragments, offsetTable, frames) ??
    (fragments.length === frames ? fragments.map((f) => [f]) : groupByMarker(fragments, transferSyntaxUid));
  if (groups.length < frames) {
    throw dicomError(
      DicomErrorCode.DECODE_FAILED,
      `Encapsulated Pixel Data: ${fragments.length} fragment(s) cannot be mapped to ${frames} frames ` +
        '(no usable Basic Offset Table)',
      { fragments: fragments.length, frames },
    );
  }
  return concat(groups[index]);
}

function groupByOffsetTable(fragments: readonly PixelFragment[], table: readonly number[], frames: number) {
  if (table.length !== frames) return null;
  const groups: PixelFragment[][] = [];
  for (let f = 0; f < frames; f++) {
    const start = table[f];
    const end = f + 1 < frames ? table[f + 1] : Infinity;
    if (end <= start) return null;
    groups.push(fragments.filter((x) => x.itemOffset >= start && x.itemOffset < end));
    if (groups[f].length === 0 || groups[f][0].itemOffset !== start) return null;
  }
  return groups;
}

function groupByMarker(fragments: readonly PixelFragment[], transferSyntaxUid: string): PixelFragment[][] {
  if (transferSyntaxUid === TransferSyntax.RleLossless) return [];
  const groups: PixelFragment[][] = [];
  for (const f of fragments) {
    if (groups.length === 0 || startsFrame(f.bytes)) groups.push([f]);
    else groups[groups.length - 1].push(f);
  }
  return groups;
}

function startsFrame(b: Uint8Array): boolean {
  if (b.length < 4) return false;
  const soi = b[0] === 0xff && b[1] === 0xd8; // JPEG, JPEG-LS
  const soc = b[0] === 0xff && b[1] === 0x4f && b[2] === 0xff && b[3] === 0x51; // J2K codestream
  const jp2 = b.length >= 12 && b[4] === 0x6a && b[5] === 0x50 && b[6] === 0x20 && b[7] === 0x20; // 'jP  ' box
  return soi || soc || jp2;
}

function concat(parts: readonly PixelFragment[]): Uint8Array {
  if (parts.length === 1) return parts[0].bytes;
  const out = new Uint8Array(parts.reduce((n, p) => n + p.bytes.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p.bytes, offset);
    offset += p.bytes.length;
  }
  return out;
}
