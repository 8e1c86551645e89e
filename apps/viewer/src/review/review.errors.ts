import { isRopError, RopError, type ErrorMeta } from '@ropline/core';

/** Stable error codes of the review API and their HTTP status. */
export const REVIEW_STATUS: Record<string, number> = {
  'REVIEW.BAD_REQUEST': 400,
  'REVIEW.NOT_FOUND': 404,
  'REVIEW.NOT_ANALYSED': 409,
  'VIEWER.NO_PUBLISHER': 503,
  'VIEWER.NO_RETRAINING': 503,
  'VIEWER.NOTHING_TO_PUBLISH': 409,
  'RETRAIN.ALREADY_QUEUED': 409,
  'RETRAIN.NOT_DONE': 409,
  'REGISTRY.GATE_FAILED': 409,
  'REGISTRY.NOT_FOUND': 404,
  'RESULTS.NOT_FOUND': 404,
  'BLOB.NOT_FOUND': 404,
  'DICOM.UNSUPPORTED_TRANSFER_SYNTAX': 422,
};

export const badRequest = (message: string, meta: ErrorMeta = {}) =>
  new RopError('REVIEW.BAD_REQUEST', message, meta);
export const notFound = (what: string) => new RopError('REVIEW.NOT_FOUND', `${what} not found`);

/** HTTP status, code and client-safe message of any error (unexpected ones become 500 UNEXPECTED). */
export function describeError(e: unknown): { status: number; code: string; message: string } {
  if (isRopError(e)) {
    const status = REVIEW_STATUS[e.code] ?? (e.code.startsWith('DICOM.') ? 422 : 500);
    return { status, code: e.code, message: status >= 500 ? 'internal error' : e.message };
  }
  return { status: 500, code: 'UNEXPECTED', message: 'internal error' };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Internal row ids (never DICOM UIDs) are the only identifiers in review URLs. */
export function uuidParam(value: string | undefined, name: string): string {
  if (value === undefined || !UUID.test(value)) throw badRequest(`${name} must be a UUID`);
  return value.toLowerCase();
}

export function intParam(value: string | undefined, name: string, dflt: number, max: number): number {
  if (value === undefined || value === '') return dflt;
  if (!/^[0-9]{1,9}$/.test(value) || Number(value) > max)
    throw badRequest(`${name} must be an integer 0..${max}`);
  return Number(value);
}
