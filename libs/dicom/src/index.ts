export { DicomErrorCode, type DicomErrorCode as DicomErrorCodeValue } from './dicom.errors.js';
export {
  DicomDataset,
  type DatasetEncoding,
  type NaturalDataset,
  type PixelDataRef,
  type PixelFragment,
} from './dicom.dataset.js';
export { readDicom, type ReadOptions } from './reader/dicom.reader.js';
export {
  writeDicom,
  IMPLEMENTATION_CLASS_UID,
  IMPLEMENTATION_VERSION_NAME,
  type WriteOptions,
} from './dicom.writer.js';
export { summarize, type DicomInfo } from './dicom.summary.js';
export {
  decodeFrame,
  decodeFrames,
  decodeFrameSamples,
  getDefaultDecoderRegistry,
  type DecodeOptions,
  type RawFrame,
} from './pixel/frame.decode.js';
export { readPixelModule, DEFAULT_MAX_DECODED_BYTES, type PixelModule } from './pixel/pixel-module.js';
export { createDecoderRegistry, type DecoderRegistry } from './decoders/decoder.registry.js';
export { defaultDecoderManifests } from './decoders/decoder.manifests.js';
export type {
  DecodedFrame,
  DecoderManifest,
  FrameDecoder,
  FrameInfo,
  Samples,
} from './decoders/decoder.types.js';
export {
  TransferSyntax,
  transferSyntaxName,
  sopClassName,
  NATIVE_TRANSFER_SYNTAXES,
} from './uid.constants.js';
export * from './sinks/index.js';
export * from './results/index.js';
export * from './deid/index.js';
