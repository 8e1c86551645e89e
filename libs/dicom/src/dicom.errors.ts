import { RopError, type ErrorMeta } from '@ropline/core';

/**
 * Stable error codes of libs/dicom. Callers match on these (and the edges translate them to HTTP /
 * DIMSE status or CLI exit codes); never rename one. Every failure of this lib, whatever the input,
 * is a RopError with one of these codes. Messages and meta never hold PHI nor pixel data.
 */
export const DicomErrorCode = {
  /** Input is not DICOM: no Part-10 'DICM' marker and no plausible bare dataset either. */
  NOT_DICOM: 'DICOM.NOT_DICOM',
  /** Input ends inside an element header, value, item or undefined-length sequence. */
  TRUNCATED: 'DICOM.TRUNCATED',
  /** An element or item declares a length that cannot fit its container (corrupt length). */
  INVALID_LENGTH: 'DICOM.INVALID_LENGTH',
  /** Structure is broken in another way: bad VR, missing item tag, nesting too deep, bad deflate. */
  MALFORMED: 'DICOM.MALFORMED',
  /** No decoder is registered for the transfer syntax (message names the UID and its name). */
  UNSUPPORTED_TRANSFER_SYNTAX: 'DICOM.UNSUPPORTED_TRANSFER_SYNTAX',
  /** A required attribute (e.g. Rows) is absent. */
  MISSING_ATTRIBUTE: 'DICOM.MISSING_ATTRIBUTE',
  /** An attribute has a value this lib cannot honour (e.g. BitsAllocated 7, BitsStored > BitsAllocated). */
  INVALID_ATTRIBUTE: 'DICOM.INVALID_ATTRIBUTE',
  /** The dataset has no top-level Pixel Data (7FE0,0010). */
  NO_PIXEL_DATA: 'DICOM.NO_PIXEL_DATA',
  /** Decoded size (Rows x Columns x Frames x Samples x bytes) or inflated size is over the cap. */
  IMAGE_TOO_LARGE: 'DICOM.IMAGE_TOO_LARGE',
  /** Photometric Interpretation not supported for this encoding (e.g. CMYK, segmented palette). */
  UNSUPPORTED_PHOTOMETRIC: 'DICOM.UNSUPPORTED_PHOTOMETRIC',
  /** Requested frame index is not an integer in [0, NumberOfFrames). */
  FRAME_OUT_OF_RANGE: 'DICOM.FRAME_OUT_OF_RANGE',
  /** A codec failed or produced output that disagrees with the header. */
  DECODE_FAILED: 'DICOM.DECODE_FAILED',
  /** Writing a dataset failed (bad input dataset or unsupported transfer syntax for writing). */
  WRITE_FAILED: 'DICOM.WRITE_FAILED',
} as const;

export type DicomErrorCode = (typeof DicomErrorCode)[keyof typeof DicomErrorCode];

export function dicomError(
  code: DicomErrorCode,
  message: string,
  meta: ErrorMeta = {},
  cause?: unknown,
): RopError {
  return new RopError(code, message, meta, cause === undefined ? undefined : { cause });
}

/**
 * Wraps anything thrown by a third-party library (dcmjs, wasm codecs: they throw TypeErrors,
 * RangeErrors or bare numbers) into a RopError with `code`; RopErrors pass through unchanged.
 * The foreign message is kept only when it is a short string, never a value dump.
 */
export function wrapForeign(e: unknown, code: DicomErrorCode, what: string, meta: ErrorMeta = {}): RopError {
  if (e instanceof RopError) return e;
  const detail =
    e instanceof Error ? `${e.name}: ${e.message}` : typeof e === 'number' ? `code ${e}` : 'unknown error';
  return dicomError(code, `${what}: ${detail.slice(0, 200)}`, meta, e);
}
