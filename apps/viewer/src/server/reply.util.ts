import type { FastifyReply } from 'fastify';
import type { PluginContext } from '@ropline/core';
import { describeError } from '../review/review.errors.js';

/**
 * Runs a handler and turns any error into `{code, message}` with its status. Logs the route name,
 * status and code only: never URLs, bodies or UIDs of patients.
 */
export async function handle(
  ctx: PluginContext,
  reply: FastifyReply,
  route: string,
  run: () => Promise<void>,
): Promise<void> {
  try {
    await run();
  } catch (e) {
    const { status, code, message } = describeError(e);
    ctx.log(status >= 500 ? 'error' : 'warn', 'review request failed', { route, status, code });
    if (!reply.sent) await reply.code(status).type('application/json').send({ code, message });
  }
}
