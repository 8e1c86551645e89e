import { DicomErrorCode, wrapForeign } from '../dicom.errors.js';
import type { DecodedFrame, FrameDecoder } from './decoder.types.js';
import { wordsFromBytes } from './samples.util.js';
import { isWasmAbort, lazyModule, requireCjs, runEmbindDecode, type EmbindCodec } from './wasm.loader.js';

/**
 * JPEG 2000 (.90/.91) with OpenJPEG wasm. OpenJPEG inverts the multi-component transform (RCT/ICT)
 * when the codestream signals it, so YBR_RCT/YBR_ICT data comes back as RGB (the renderer knows);
 * samples come back pixel-interleaved. Its `print` is overridden: it logs [INFO] lines otherwise.
 */
interface OpenJpegCodec extends EmbindCodec {
  getFrameInfo(): { width: number; height: number; bitsPerSample: number; componentCount: number };
}

const openjpeg = lazyModule(async () => {
  const factory = requireCjs('@cornerstonejs/codec-openjpeg/decodewasmjs') as (
    o?: object,
  ) => Promise<{ J2KDecoder: new () => OpenJpegCodec }>;
  return factory({ print: () => undefined, printErr: () => undefined });
});

export function createJpeg2000Decoder(): FrameDecoder {
  return {
    async decode(frame): Promise<DecodedFrame> {
      const module = await openjpeg.get();
      const codec = new module.J2KDecoder();
      try {
        let fi = { width: 0, height: 0, bitsPerSample: 8, componentCount: 1 };
        const out = runEmbindDecode(codec, frame, (c) => {
          fi = c.getFrameInfo();
        });
        return {
          samples: wordsFromBytes(out, fi.bitsPerSample > 8 ? 16 : 8),
          width: fi.width,
          height: fi.height,
          components: fi.componentCount,
          planar: false,
        };
      } catch (e) {
        if (isWasmAbort(e)) openjpeg.reset();
        throw wrapForeign(e, DicomErrorCode.DECODE_FAILED, 'JPEG 2000 decoding failed (OpenJPEG)');
      } finally {
        codec.delete();
      }
    },
  };
}
