import { isRopError } from '@ropline/core';

/** C-STORE response statuses used by the SCP (PS3.4 B.2.3 and PS3.7 Annex C). */
export const StoreStatus = {
  Success: 0x0000,
  /** PS3.4 B.2.3 Refused: Out of Resources (A7xx): maxInstanceBytes, free-disk watermark. */
  OutOfResources: 0xa700,
  /** PS3.4 B.2.3 Error: Data Set does not match SOP Class (A9xx): not the class the command names. */
  DataSetDoesNotMatchSopClass: 0xa900,
  /** PS3.4 B.2.3 Error: Cannot understand (Cxxx): not parseable, missing/bad UIDs. */
  CannotUnderstand: 0xc000,
  /**
   * Cxxx with xxx = 111 (the PS3.7 "Duplicate SOP Instance" code, 0x0111, is not a C-STORE status):
   * the same SOP Instance UID is stored with other content and duplicatePolicy is 'reject'.
   */
  DuplicateConflict: 0xc111,
  /** PS3.7 C.4 Processing failure: anything unexpected (e.g. the database is unreachable). */
  ProcessingFailure: 0x0110,
} as const;

/** Maps an ingest error (a RopError code) to the C-STORE status it answers with. */
export function storeStatusOf(e: unknown): number {
  if (isRopError(e, 'INGEST.INSTANCE_TOO_LARGE') || isRopError(e, 'INGEST.DISK_FULL')) {
    return StoreStatus.OutOfResources;
  }
  if (isRopError(e, 'INGEST.DUPLICATE_SOP_INSTANCE')) return StoreStatus.DuplicateConflict;
  if (isRopError(e, 'INGEST.SOP_CLASS_NOT_SUPPORTED') || isRopError(e, 'DIMSE.SOP_CLASS_MISMATCH')) {
    return StoreStatus.DataSetDoesNotMatchSopClass;
  }
  if (isRopError(e, 'DICOM.') || isRopError(e, 'INGEST.') || isRopError(e, 'DIMSE.')) {
    return StoreStatus.CannotUnderstand;
  }
  return StoreStatus.ProcessingFailure;
}
