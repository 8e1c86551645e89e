import { Controller, Get, Inject, Param, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { PluginContext } from '@ropline/core';
import { GATEWAY_CONTEXT } from '../stow/stow.controller.js';
import { assertSingleAccept } from './accept.util.js';
import type { DicomJson } from './dicom-json.util.js';
import { parseSearchQuery, requireUid, type SearchQuery } from './dicomweb.params.js';
import { DICOM_JSON, handle } from './dicomweb.reply.js';
import { QidoService } from './qido.service.js';

export const QIDO_SERVICE = Symbol('QidoService');
type Q = Record<string, unknown>;

/** QIDO-RS search endpoints (PS3.18 10.6). */
@Controller('dicomweb')
export class QidoController {
  constructor(
    @Inject(QIDO_SERVICE) private readonly qido: QidoService,
    @Inject(GATEWAY_CONTEXT) private readonly ctx: PluginContext,
  ) {}

  @Get('studies')
  async studies(@Query() query: Q, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.search(req, reply, 'qido-studies', {}, query, (q) => this.qido.searchStudies(q));
  }

  @Get('series')
  async allSeries(@Query() query: Q, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.search(req, reply, 'qido-series', {}, query, (q) => this.qido.searchSeries(q, {}));
  }

  @Get('instances')
  async allInstances(
    @Query() query: Q,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.search(req, reply, 'qido-instances', {}, query, (q) => this.qido.searchInstances(q, {}));
  }

  @Get('studies/:study/series')
  async series(
    @Param('study') study: string,
    @Query() query: Q,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.search(req, reply, 'qido-study-series', { study }, query, (q) =>
      this.qido.searchSeries(q, { study: requireUid(study, 'StudyInstanceUID') }),
    );
  }

  @Get('studies/:study/instances')
  async studyInstances(
    @Param('study') study: string,
    @Query() query: Q,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.search(req, reply, 'qido-study-instances', { study }, query, (q) =>
      this.qido.searchInstances(q, { study: requireUid(study, 'StudyInstanceUID') }),
    );
  }

  @Get('studies/:study/series/:series/instances')
  async seriesInstances(
    @Param('study') study: string,
    @Param('series') series: string,
    @Query() query: Q,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.search(req, reply, 'qido-series-instances', { study, series }, query, (q) =>
      this.qido.searchInstances(q, {
        study: requireUid(study, 'StudyInstanceUID'),
        series: requireUid(series, 'SeriesInstanceUID'),
      }),
    );
  }

  private async search(
    req: FastifyRequest,
    reply: FastifyReply,
    route: string,
    uids: Record<string, string>,
    query: Q,
    run: (q: SearchQuery) => Promise<DicomJson[]>,
  ): Promise<void> {
    await handle(reply, this.ctx, route, uids, async () => {
      assertSingleAccept(req.headers.accept, [DICOM_JSON, 'application/json']);
      const q = parseSearchQuery(query);
      const found = await run(q);
      if (q.ignored.length) {
        reply.header(
          'warning',
          `299 ropline: The fields in the query were unsupported: ${q.ignored.join(', ')}`,
        );
      }
      if (found.length === 0) await reply.code(204).send();
      else await reply.code(200).type(DICOM_JSON).send(JSON.stringify(found));
    });
  }
}
