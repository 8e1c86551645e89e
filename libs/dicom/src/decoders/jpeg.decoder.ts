import { DicomErrorCode, dicomError, wrapForeign } from '../dicom.errors.js';
import type { DecodedFrame, FrameDecoder, FrameInfo } from './decoder.types.js';
import { decodeJpegNative } from './jpeg-native.codec.js';
import { wordsFromBytes } from './samples.util.js';
import { isWasmAbort, lazyModule, requireCjs, runEmbindDecode, type EmbindCodec } from './wasm.loader.js';

/**
 * JPEG (ISO 10918-1) for transfer syntaxes .50, .51, .57 and .70, routed by the frame's own SOF
 * marker rather than the transfer syntax label (mislabelled files exist):
 *  - 8-bit DCT (SOF0/SOF1/SOF2) -> libjpeg-turbo: natively through sharp when installed (about
 *    2.5x faster, same pixels), else its wasm build. It converts YCbCr to RGB itself (per the
 *    JFIF/Adobe markers), so its output is RGB whatever the header says (e.g. YBR_FULL_422).
 *  - 12-bit DCT and lossless (SOF3) -> dcmtk's IJG codecs in dcmjs-codecs wasm. Its output context
 *    reports the photometric of the samples (RGB when it converted colour).
 * Each wasm module loads on first use and is kept; after a wasm abort it is reloaded.
 */
interface SofInfo {
  marker: number;
  precision: number;
  height: number;
  width: number;
  components: number;
}

interface TurboModule {
  JPEGDecoder: new () => EmbindCodec;
}

/** The slice of dcmjs-codecs this decoder uses (see its index.d.ts). */
interface DcmtkCodecs {
  NativeCodecs: {
    initializeAsync(opts?: Record<string, unknown>): Promise<void>;
    decodeJpeg(ctx: unknown, params?: Record<string, unknown>): DcmtkContext;
  };
  Context: new (attrs: Record<string, unknown>) => DcmtkContext;
}

interface DcmtkContext {
  getDecodedBuffer(): Uint8Array | undefined;
  getPhotometricInterpretation(): string | undefined;
}

const turbo = lazyModule<TurboModule>(async () => {
  const factory = requireCjs('@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs') as (
    o?: object,
  ) => Promise<TurboModule>;
  return factory({ print: () => undefined, printErr: () => undefined });
});

export const dcmtkCodecs = lazyModule<DcmtkCodecs>(async () => {
  const codecs = requireCjs('dcmjs-codecs') as DcmtkCodecs;
  await codecs.NativeCodecs.initializeAsync({ logCodecsInfo: false, logCodecsTrace: false });
  return codecs;
});

export interface JpegDecoderConfig {
  /** 'auto': decode 8-bit DCT frames natively through sharp when it is installed; 'off': wasm only. */
  native: 'auto' | 'off';
}

export function createJpegDecoder(config: JpegDecoderConfig = { native: 'auto' }): FrameDecoder {
  return { decode: (frame, info) => decodeJpeg(frame, info, config.native === 'auto') };
}

async function decodeJpeg(frame: Uint8Array, info: FrameInfo, tryNative: boolean): Promise<DecodedFrame> {
  const sof = readSof(frame);
  const lossless = sof.marker === 0xc3 || sof.marker === 0xc7 || sof.marker === 0xcb || sof.marker === 0xcf;
  if (lossless || sof.precision > 8) return decodeDcmtk(frame, info);
  if (tryNative) {
    const native = await decodeJpegNative(frame, sof.components).catch((e: unknown) => {
      throw wrapForeign(e, DicomErrorCode.DECODE_FAILED, 'JPEG decoding failed (libjpeg-turbo, native)');
    });
    if (native) {
      return { ...native, planar: false, ...(native.components === 3 ? { colorSpace: 'RGB' as const } : {}) };
    }
  }
  return decodeTurbo(frame, info);
}

async function decodeTurbo(frame: Uint8Array, info: FrameInfo): Promise<DecodedFrame> {
  const module = await turbo.get();
  const codec = new module.JPEGDecoder();
  let fi: { width: number; height: number; componentCount: number } | undefined;
  try {
    const out = runEmbindDecode(codec, frame, (c) => {
      fi = (c as unknown as { getFrameInfo(): typeof fi }).getFrameInfo();
    });
    const f = fi ?? { width: info.columns, height: info.rows, componentCount: info.samplesPerPixel };
    return {
      samples: out,
      width: f.width,
      height: f.height,
      components: f.componentCount,
      planar: false,
      ...(f.componentCount === 3 ? { colorSpace: 'RGB' as const } : {}),
    };
  } catch (e) {
    if (isWasmAbort(e)) turbo.reset();
    throw wrapForeign(e, DicomErrorCode.DECODE_FAILED, 'JPEG decoding failed (libjpeg-turbo)');
  } finally {
    codec.delete();
  }
}

async function decodeDcmtk(frame: Uint8Array, info: FrameInfo): Promise<DecodedFrame> {
  const codecs = await dcmtkCodecs.get();
  try {
    const ctx = new codecs.Context({
      width: info.columns,
      height: info.rows,
      bitsAllocated: info.bitsAllocated,
      bitsStored: info.bitsStored,
      samplesPerPixel: info.samplesPerPixel,
      pixelRepresentation: info.pixelRepresentation,
      planarConfiguration: info.planarConfiguration,
      photometricInterpretation: info.photometric,
      encodedBuffer: frame,
    });
    const out = codecs.NativeCodecs.decodeJpeg(ctx, { convertColorspaceToRgb: true });
    const bytes = out.getDecodedBuffer();
    if (!bytes) throw dicomError(DicomErrorCode.DECODE_FAILED, 'JPEG decoder returned no pixels');
    const components = info.samplesPerPixel;
    const samples = wordsFromBytes(bytes.slice(), info.bitsAllocated);
    const pi = out.getPhotometricInterpretation();
    return {
      samples,
      width: info.columns,
      height: info.rows,
      components,
      planar: components > 1 && info.planarConfiguration === 1,
      ...(components === 3 && pi === 'RGB' ? { colorSpace: 'RGB' as const } : {}),
    };
  } catch (e) {
    if (isWasmAbort(e)) dcmtkCodecs.reset();
    throw wrapForeign(e, DicomErrorCode.DECODE_FAILED, 'JPEG decoding failed (dcmtk)');
  }
}

/** Finds the frame header (SOFn, PS ISO 10918-1 B.2.2) walking marker segments from SOI. */
export function readSof(b: Uint8Array): SofInfo {
  if (b.length < 4 || b[0] !== 0xff || b[1] !== 0xd8) {
    throw dicomError(DicomErrorCode.DECODE_FAILED, 'JPEG frame does not start with an SOI marker');
  }
  let pos = 2;
  while (pos + 4 <= b.length) {
    if (b[pos] !== 0xff)
      throw dicomError(DicomErrorCode.DECODE_FAILED, `JPEG: expected a marker at byte ${pos}`);
    const marker = b[pos + 1];
    if (marker === 0xff) {
      pos++; // fill byte
      continue;
    }
    const length = (b[pos + 2] << 8) | b[pos + 3];
    const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isSof && pos + 10 <= b.length) {
      return {
        marker,
        precision: b[pos + 4],
        height: (b[pos + 5] << 8) | b[pos + 6],
        width: (b[pos + 7] << 8) | b[pos + 8],
        components: b[pos + 9],
      };
    }
    if (length < 2) break;
    pos += 2 + length;
  }
  throw dicomError(DicomErrorCode.DECODE_FAILED, 'JPEG frame has no SOF (frame header) marker');
}
