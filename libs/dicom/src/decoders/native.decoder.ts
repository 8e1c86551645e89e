import { DicomErrorCode, dicomError } from '../dicom.errors.js';
import { expandYbr422 } from '../pixel/color.convert.js';
import { isSubsampled422 } from '../pixel/frame.extractor.js';
import type { DecodedFrame, FrameDecoder, FrameInfo, Samples } from './decoder.types.js';
import { wordsFromBytes } from './samples.util.js';

/**
 * Uncompressed pixel data (implicit/explicit VR LE, explicit VR BE, deflated). The frame extractor
 * already made the bytes little endian and unpacked 1-bit data to one byte per pixel.
 */
export function createNativeDecoder(): FrameDecoder {
  return { decode: decodeNative };
}

export function decodeNative(frame: Uint8Array, info: FrameInfo): DecodedFrame {
  const { rows, columns, samplesPerPixel } = info;
  const base = { width: columns, height: rows, components: samplesPerPixel };
  if (info.bitsAllocated === 1) return { ...base, samples: frame, planar: false }; // unpacked copy
  if (isSubsampled422(info)) {
    if (info.bitsAllocated !== 8) {
      throw dicomError(
        DicomErrorCode.UNSUPPORTED_PHOTOMETRIC,
        `${info.photometric} with BitsAllocated ${info.bitsAllocated}`,
      );
    }
    // The renderer treats the expanded data as YBR_FULL (422 only describes the subsampling).
    return { ...base, samples: expandYbr422(frame, rows, columns), planar: false };
  }
  let samples: Samples = wordsFromBytes(frame, info.bitsAllocated);
  // Stored bits may sit above bit 0 when HighBit > BitsStored - 1 (PS3.5 8.1.1): move them down.
  const shift = info.highBit + 1 - info.bitsStored;
  if (shift > 0) samples = samples.map((v) => v >>> shift) as Samples;
  const planar = samplesPerPixel > 1 && info.planarConfiguration === 1;
  return { ...base, samples, planar, aliasesInput: shift === 0 && samples.buffer === frame.buffer };
}
