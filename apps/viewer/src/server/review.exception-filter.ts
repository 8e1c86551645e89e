import { Catch, HttpException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { PluginContext } from '@ropline/core';

const CODES: Record<number, string> = {
  400: 'REVIEW.BAD_REQUEST',
  404: 'REVIEW.NOT_FOUND',
  405: 'REVIEW.METHOD_NOT_ALLOWED',
  413: 'REVIEW.BODY_TOO_LARGE',
  415: 'REVIEW.UNSUPPORTED_MEDIA_TYPE',
};

/**
 * Every error outside the handlers (unknown route, unparsable JSON, the guard's 401/403) as
 * `{code, message}`: the guard's bodies already are; Nest's and Fastify's get a stable code.
 */
@Catch()
export class ReviewExceptionFilter implements ExceptionFilter {
  constructor(private readonly ctx: PluginContext) {}

  catch(e: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const status =
      e instanceof HttpException ? e.getStatus() : ((e as { statusCode?: number }).statusCode ?? 500);
    const body = e instanceof HttpException ? e.getResponse() : null;
    const out =
      body && typeof body === 'object' && 'code' in body
        ? body
        : {
            code: CODES[status] ?? (status >= 500 ? 'UNEXPECTED' : `REVIEW.HTTP_${status}`),
            message: status >= 500 ? 'internal error' : e instanceof Error ? e.message : 'request failed',
          };
    if (status >= 500)
      this.ctx.log('error', 'review request failed', { status, code: (out as { code: string }).code });
    if (!reply.sent) void reply.code(status).type('application/json').send(out);
  }
}
