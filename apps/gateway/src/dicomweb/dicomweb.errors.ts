import { isRopError } from '@ropline/core';

/** RopError codes -> HTTP status for QIDO-RS / WADO-RS (the only place that maps them). */
export function dicomwebStatusOf(e: unknown): number {
  if (!isRopError(e)) return 500;
  if (e.code === 'DICOMWEB.BAD_REQUEST') return 400;
  if (e.code === 'DICOMWEB.NOT_FOUND') return 404;
  if (e.code === 'DICOMWEB.NOT_ACCEPTABLE') return 406;
  if (e.code === 'BLOB.NOT_FOUND') return 404;
  return 500;
}

export function errorBody(e: unknown): string {
  const code = isRopError(e) ? e.code : 'UNEXPECTED';
  return JSON.stringify({ code, message: isRopError(e) ? e.message : 'internal error' });
}
