import type { FastifyReply } from 'fastify';
import { isRopError, type PluginContext } from '@ropline/core';
import { dicomwebStatusOf, errorBody } from './dicomweb.errors.js';

export const DICOM_JSON = 'application/dicom+json';

/**
 * Runs a QIDO/WADO handler and turns a thrown error into its status with a JSON body. Logs carry
 * the route, status, error code and the (validated) UIDs only: never header values or raw input.
 */
export async function handle(
  reply: FastifyReply,
  ctx: PluginContext,
  route: string,
  uids: Record<string, string | undefined>,
  run: () => Promise<void>,
): Promise<void> {
  try {
    await run();
    ctx.log('info', 'DICOMweb request', { route, status: reply.statusCode, ...uids });
  } catch (e) {
    const status = dicomwebStatusOf(e);
    const code = isRopError(e) ? e.code : 'UNEXPECTED';
    // A 400 may come from a malformed UID: log only the route and code, not the received values.
    const safe = status === 400 ? {} : uids;
    ctx.log(status >= 500 ? 'error' : 'warn', 'DICOMweb request failed', { route, status, code, ...safe });
    if (!reply.sent) await reply.code(status).type('application/json').send(errorBody(e));
  }
}
