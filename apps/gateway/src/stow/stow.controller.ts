import { Controller, Inject, Param, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import { isRopError, RopError, type PluginContext } from '@ropline/core';
import { StowService } from './stow.service.js';
import { httpStatusOf } from './stow.response.js';

export const STOW_SERVICE = Symbol('StowService');
export const GATEWAY_CONTEXT = Symbol('GatewayContext');
/** Holds the base URL for RetrieveURLs (known only once the server listens). */
export const PUBLIC_URL = Symbol('PublicUrl');
export interface PublicUrlHolder {
  url: string;
}

const DICOM_JSON = 'application/dicom+json';

/** STOW-RS endpoints (PS3.18 10.5). RopErrors become HTTP status here and nowhere else. */
@Controller('dicomweb/studies')
export class StowController {
  constructor(
    @Inject(STOW_SERVICE) private readonly stow: StowService,
    @Inject(PUBLIC_URL) private readonly publicUrl: PublicUrlHolder,
    @Inject(GATEWAY_CONTEXT) private readonly ctx: PluginContext,
  ) {}

  @Post()
  async storeAny(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.run(req, reply, undefined);
  }

  @Post(':study')
  async storeStudy(
    @Param('study') study: string,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.run(req, reply, study);
  }

  private async run(req: FastifyRequest, reply: FastifyReply, studyUid: string | undefined) {
    const body = req.body as Readable | undefined;
    try {
      if (!body || typeof (body as Readable).pipe !== 'function') {
        // A parser other than ours (e.g. JSON) consumed the body: not a STOW request.
        const ct = req.headers['content-type'];
        throw new RopError('STOW.UNSUPPORTED_MEDIA_TYPE', `Unsupported Content-Type ${ct ?? '(none)'}`);
      }
      const result = await this.stow.handle({
        contentType: req.headers['content-type'],
        contentLength: req.headers['content-length'],
        body,
        studyUid,
        remote: req.ip,
        baseUrl: this.publicUrl.url,
      });
      if (result.closeConnection) reply.header('connection', 'close');
      await reply.code(result.status).type(DICOM_JSON).send(JSON.stringify(result.body));
    } catch (e) {
      const status = httpStatusOf(e);
      const code = isRopError(e) ? e.code : 'UNEXPECTED';
      this.ctx.log(status >= 500 ? 'error' : 'warn', 'STOW request failed', {
        code,
        status,
        error: isRopError(e) ? e.message : String((e as Error)?.message ?? e),
      });
      if (body && typeof body.resume === 'function' && !body.readableEnded) body.resume();
      await reply
        .code(status)
        .type('application/json')
        .send(JSON.stringify({ code, message: isRopError(e) ? e.message : 'internal error' }));
    }
  }
}
