import { DicomErrorCode, wrapForeign } from '../dicom.errors.js';
import type { DecodedFrame, FrameDecoder } from './decoder.types.js';
import { wordsFromBytes } from './samples.util.js';
import { isWasmAbort, lazyModule, requireCjs, runEmbindDecode, type EmbindCodec } from './wasm.loader.js';

/**
 * JPEG-LS lossless and near-lossless (.80/.81) with CharLS wasm. CharLS returns samples in the
 * bitstream's interleave: mode 0 (none) is component planes one after another whatever the DICOM
 * PlanarConfiguration says, modes 1/2 (line/sample) come back pixel-interleaved. No colour
 * transform is applied: samples are in the header's Photometric Interpretation.
 */
interface CharlsCodec extends EmbindCodec {
  getFrameInfo(): { width: number; height: number; bitsPerSample: number; componentCount: number };
  getInterleaveMode(): number;
}

const charls = lazyModule(async () => {
  const factory = requireCjs('@cornerstonejs/codec-charls/decodewasmjs') as (
    o?: object,
  ) => Promise<{ JpegLSDecoder: new () => CharlsCodec }>;
  return factory({ print: () => undefined, printErr: () => undefined });
});

export function createJpegLsDecoder(): FrameDecoder {
  return {
    async decode(frame): Promise<DecodedFrame> {
      const module = await charls.get();
      const codec = new module.JpegLSDecoder();
      try {
        let fi = { width: 0, height: 0, bitsPerSample: 8, componentCount: 1 };
        let interleave = 1;
        const out = runEmbindDecode(codec, frame, (c) => {
          fi = c.getFrameInfo();
          interleave = c.getInterleaveMode();
        });
        return {
          samples: wordsFromBytes(out, fi.bitsPerSample > 8 ? 16 : 8),
          width: fi.width,
          height: fi.height,
          components: fi.componentCount,
          planar: fi.componentCount > 1 && interleave === 0,
        };
      } catch (e) {
        if (isWasmAbort(e)) charls.reset();
        throw wrapForeign(e, DicomErrorCode.DECODE_FAILED, 'JPEG-LS decoding failed (CharLS)');
      } finally {
        codec.delete();
      }
    },
  };
}
