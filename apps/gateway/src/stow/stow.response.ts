import { isRopError } from '@ropline/core';

/** FailureReason (0008,1197) values, PS3.18 Table 10.5.3-1 / PS3.4 Annex B. */
export const FailureReason = {
  ProcessingFailure: 0x0110,
  DuplicateSopInstance: 0x0111,
  SopClassNotSupported: 0x0122,
  OutOfResources: 0xa700,
  CannotUnderstand: 0xc000,
  TransferSyntaxNotSupported: 0xc122,
} as const;

/** RopError code -> FailureReason; the only place per-instance errors become DICOM status. */
export function failureReasonOf(e: unknown): number {
  if (isRopError(e)) {
    switch (e.code) {
      case 'INGEST.SOP_CLASS_NOT_SUPPORTED':
        return FailureReason.SopClassNotSupported;
      case 'INGEST.TRANSFER_SYNTAX_NOT_SUPPORTED':
      case 'DICOM.UNSUPPORTED_TRANSFER_SYNTAX':
        return FailureReason.TransferSyntaxNotSupported;
      case 'INGEST.WRONG_STUDY':
        return FailureReason.ProcessingFailure;
      case 'INGEST.DUPLICATE_SOP_INSTANCE':
        return FailureReason.DuplicateSopInstance;
      case 'INGEST.INSTANCE_TOO_LARGE':
      case 'INGEST.REQUEST_TOO_LARGE':
      case 'INGEST.DISK_FULL':
        return FailureReason.OutOfResources;
    }
    if (e.code.startsWith('DICOM.') || e.code.startsWith('INGEST.INVALID')) {
      return FailureReason.CannotUnderstand;
    }
  }
  return FailureReason.ProcessingFailure;
}

/** Request-level RopError code -> HTTP status (PS3.18 10.5.3). */
export function httpStatusOf(e: unknown): number {
  if (isRopError(e)) {
    switch (e.code) {
      case 'STOW.MALFORMED_MULTIPART':
      case 'STOW.BAD_REQUEST':
        return 400;
      case 'STOW.UNSUPPORTED_MEDIA_TYPE':
        return 415;
      case 'STOW.REQUEST_TOO_LARGE':
        return 413;
      case 'STOW.INSUFFICIENT_STORAGE':
        return 507;
    }
  }
  return 500;
}

export interface StoredItem {
  sopClassUid: string;
  sopInstanceUid: string;
  retrieveUrl: string;
}

export interface FailedItem {
  sopClassUid?: string;
  sopInstanceUid?: string;
  reason: number;
}

type JsonAttr = { vr: string; Value?: unknown[] };
type JsonDataset = Record<string, JsonAttr>;

const ui = (v: string): JsonAttr => ({ vr: 'UI', Value: [v] });

/** 200 all stored, 202 some failed, 409 none stored (PS3.18 10.5.3). */
export function stowStatus(stored: number, failed: number): number {
  if (failed === 0 && stored > 0) return 200;
  return stored > 0 ? 202 : 409;
}

/** The STOW-RS response body (PS3.18 10.5.3, Table 10.5.3-2) as DICOM JSON (PS3.18 F.2). */
export function buildStowResponse(
  studyRetrieveUrl: string | null,
  stored: StoredItem[],
  failed: FailedItem[],
): JsonDataset {
  const body: JsonDataset = {};
  if (studyRetrieveUrl) body['00081190'] = { vr: 'UR', Value: [studyRetrieveUrl] };
  if (failed.length > 0) {
    body['00081198'] = {
      vr: 'SQ',
      Value: failed.map((f) => {
        const item: JsonDataset = {};
        if (f.sopClassUid) item['00081150'] = ui(f.sopClassUid);
        if (f.sopInstanceUid) item['00081155'] = ui(f.sopInstanceUid);
        item['00081197'] = { vr: 'US', Value: [f.reason] };
        return item;
      }),
    };
  }
  if (stored.length > 0) {
    body['00081199'] = {
      vr: 'SQ',
      Value: stored.map((s) => ({
        '00081150': ui(s.sopClassUid),
        '00081155': ui(s.sopInstanceUid),
        '00081190': { vr: 'UR', Value: [s.retrieveUrl] },
      })),
    };
  }
  return body;
}
