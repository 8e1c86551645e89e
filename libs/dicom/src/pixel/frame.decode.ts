import type { Image8 } from '@ropline/core';
import type { DicomDataset } from '../dicom.dataset.js';
import { DicomErrorCode, dicomError, wrapForeign } from '../dicom.errors.js';
import { defaultDecoderManifests } from '../decoders/decoder.manifests.js';
import { createDecoderRegistry, type DecoderRegistry } from '../decoders/decoder.registry.js';
import type { DecodedFrame, FrameInfo } from '../decoders/decoder.types.js';
import { extractFrame } from './frame.extractor.js';
import { renderFrame } from './frame.render.js';
import {
  checkImageSize,
  DEFAULT_MAX_DECODED_BYTES,
  readPixelModule,
  type PixelModule,
} from './pixel-module.js';

export interface DecodeOptions {
  /** Decoders to use; default: the registry over `defaultDecoderManifests`. */
  registry?: DecoderRegistry;
  /** Cap on decoded pixel bytes of the whole object (default 512 MiB), as in readDicom. */
  maxDecodedBytes?: number;
}

let defaultRegistry: DecoderRegistry | undefined;

export function getDefaultDecoderRegistry(): DecoderRegistry {
  defaultRegistry ??= createDecoderRegistry(defaultDecoderManifests);
  return defaultRegistry;
}

/** A frame as its codec produced it (stored values, before rendering), with the module it follows. */
export interface RawFrame {
  frame: DecodedFrame;
  pixelModule: PixelModule;
}

/**
 * Decodes frame `index` (0-based) to an 8-bit gray (1 channel) or RGB (3 channels) Image8; see
 * pixel/gray.render.ts for how more than 8 bits are brought to 8. Every failure is a RopError.
 */
export async function decodeFrame(ds: DicomDataset, index = 0, opts: DecodeOptions = {}): Promise<Image8> {
  const { frame, pixelModule } = await decodeFrameSamples(ds, index, opts);
  try {
    return renderFrame(frame, pixelModule, ds);
  } catch (e) {
    throw wrapForeign(e, DicomErrorCode.DECODE_FAILED, `Rendering frame ${index} failed`, { index });
  }
}

/**
 * Decodes frame `index` without rendering: the codec's samples at full bit depth (stored values in
 * the low BitsStored bits, not yet masked nor sign-extended; colour possibly planar or still YBR, see
 * DecodedFrame). For callers that need more than 8 bits.
 */
export async function decodeFrameSamples(
  ds: DicomDataset,
  index = 0,
  opts: DecodeOptions = {},
): Promise<RawFrame> {
  try {
    if (!ds.pixelData) {
      throw dicomError(DicomErrorCode.NO_PIXEL_DATA, 'Dataset has no top-level Pixel Data (7FE0,0010)');
    }
    checkImageSize(ds, opts.maxDecodedBytes ?? DEFAULT_MAX_DECODED_BYTES);
    const pm = readPixelModule(ds);
    if (!Number.isInteger(index) || index < 0 || index >= pm.frames) {
      throw dicomError(
        DicomErrorCode.FRAME_OUT_OF_RANGE,
        `Frame index ${index} is out of range: the object has ${pm.frames} frame(s) (0-based)`,
        { index, frames: pm.frames },
      );
    }
    const decoder = await (opts.registry ?? getDefaultDecoderRegistry()).get(ds.transferSyntaxUid);
    const frame = extractFrame(ds.pixelData, pm, index, ds.transferSyntaxUid);
    const info: FrameInfo = {
      transferSyntaxUid: ds.transferSyntaxUid,
      rows: pm.rows,
      columns: pm.columns,
      samplesPerPixel: pm.samplesPerPixel,
      bitsAllocated: pm.bitsAllocated,
      bitsStored: pm.bitsStored,
      highBit: pm.highBit,
      pixelRepresentation: pm.pixelRepresentation,
      planarConfiguration: pm.planarConfiguration,
      photometric: pm.photometric,
      littleEndian: ds.pixelData.encapsulated ? true : ds.pixelData.littleEndian,
      vr: ds.pixelData.encapsulated ? undefined : ds.pixelData.vr,
    };
    return { frame: await decoder.decode(frame, info), pixelModule: pm };
  } catch (e) {
    throw wrapForeign(e, DicomErrorCode.DECODE_FAILED, `Decoding frame ${index} failed`, { index });
  }
}

/** Decodes every frame in order. */
export async function decodeFrames(ds: DicomDataset, opts: DecodeOptions = {}): Promise<Image8[]> {
  let frames = 1;
  try {
    frames = readPixelModule(ds).frames;
  } catch {
    // decodeFrame(0) below reports the same problem with its proper code.
  }
  const out: Image8[] = [];
  for (let i = 0; i < frames; i++) out.push(await decodeFrame(ds, i, opts));
  return out;
}
