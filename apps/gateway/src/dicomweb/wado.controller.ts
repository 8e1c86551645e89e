import { Controller, Get, Inject, Param, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { PluginContext } from '@ropline/core';
import { GATEWAY_CONTEXT } from '../stow/stow.controller.js';
import { assertMultipartAccept, assertSingleAccept } from './accept.util.js';
import { badRequest, requireUid } from './dicomweb.params.js';
import { DICOM_JSON, handle } from './dicomweb.reply.js';
import { multipartStream, type OutPart } from './multipart.writer.js';
import { EXPLICIT_VR_LE, parseFrameList, WadoService, type WadoTarget } from './wado.service.js';

export const WADO_SERVICE = Symbol('WadoService');
const P = 'studies/:study/series/:series/instances/:sop';

/** Validated target; the raw strings never reach a path or a query unchecked. */
function target(study: string, series?: string, sop?: string): WadoTarget {
  return {
    study: requireUid(study, 'StudyInstanceUID'),
    series: series === undefined ? undefined : requireUid(series, 'SeriesInstanceUID'),
    sop: sop === undefined ? undefined : requireUid(sop, 'SOPInstanceUID'),
  };
}

/** WADO-RS retrieve endpoints (PS3.18 10.4). */
@Controller('dicomweb')
export class WadoController {
  constructor(
    @Inject(WADO_SERVICE) private readonly wado: WadoService,
    @Inject(GATEWAY_CONTEXT) private readonly ctx: PluginContext,
  ) {}

  @Get('studies/:study')
  async study(@Param('study') study: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    await this.instances(req, reply, 'wado-study', () => target(study));
  }

  @Get('studies/:study/series/:series')
  async series(
    @Param('study') study: string,
    @Param('series') series: string,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    await this.instances(req, reply, 'wado-series', () => target(study, series));
  }

  @Get(P)
  async instance(
    @Param('study') study: string,
    @Param('series') series: string,
    @Param('sop') sop: string,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    await this.instances(req, reply, 'wado-instance', () => target(study, series, sop));
  }

  @Get('studies/:study/metadata')
  async studyMetadata(@Param('study') study: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    await this.metadata(req, reply, 'wado-study-metadata', () => target(study));
  }

  @Get('studies/:study/series/:series/metadata')
  async seriesMetadata(
    @Param('study') study: string,
    @Param('series') series: string,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    await this.metadata(req, reply, 'wado-series-metadata', () => target(study, series));
  }

  @Get(`${P}/metadata`)
  async instanceMetadata(
    @Param('study') study: string,
    @Param('series') series: string,
    @Param('sop') sop: string,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    await this.metadata(req, reply, 'wado-instance-metadata', () => target(study, series, sop));
  }

  @Get(`${P}/frames/:frames`)
  async frames(
    @Param('study') study: string,
    @Param('series') series: string,
    @Param('sop') sop: string,
    @Param('frames') frames: string,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    await handle(reply, this.ctx, 'wado-frames', { study, series, sop }, async () => {
      const t = target(study, series, sop);
      const numbers = parseFrameList(frames);
      assertMultipartAccept(req.headers.accept, 'application/octet-stream', [EXPLICIT_VR_LE]);
      const [inst] = await this.wado.find(t);
      await this.sendMultipart(reply, await this.wado.frames(inst, numbers), 'application/octet-stream');
    });
  }

  @Get(`${P}/rendered`)
  async rendered(
    @Param('study') study: string,
    @Param('series') series: string,
    @Param('sop') sop: string,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    await this.render(req, reply, [study, series, sop], '1');
  }

  @Get(`${P}/frames/:frame/rendered`)
  async renderedFrame(
    @Param('study') study: string,
    @Param('series') series: string,
    @Param('sop') sop: string,
    @Param('frame') frame: string,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    await this.render(req, reply, [study, series, sop], frame);
  }

  private async render(
    req: FastifyRequest,
    reply: FastifyReply,
    [study, series, sop]: string[],
    frame: string,
  ) {
    await handle(reply, this.ctx, 'wado-rendered', { study, series, sop }, async () => {
      const t = target(study, series, sop);
      const [n, ...more] = parseFrameList(frame);
      if (more.length) throw badRequest('A rendered frame is one frame number');
      assertSingleAccept(req.headers.accept, ['image/png']);
      const [inst] = await this.wado.find(t);
      await reply
        .code(200)
        .type('image/png')
        .send(await this.wado.rendered(inst, n));
    });
  }

  private async instances(req: FastifyRequest, reply: FastifyReply, route: string, make: () => WadoTarget) {
    const uids = {} as Record<string, string>;
    await handle(reply, this.ctx, route, uids, async () => {
      Object.assign(uids, make());
      const list = await this.wado.find(uids as unknown as WadoTarget);
      const syntaxes = [...new Set(list.map((i) => i.transferSyntaxUid))];
      assertMultipartAccept(req.headers.accept, 'application/dicom', syntaxes);
      await this.sendMultipart(reply, await this.wado.instanceParts(list), 'application/dicom');
    });
  }

  private async metadata(req: FastifyRequest, reply: FastifyReply, route: string, make: () => WadoTarget) {
    const uids = {} as Record<string, string>;
    await handle(reply, this.ctx, route, uids, async () => {
      Object.assign(uids, make());
      assertSingleAccept(req.headers.accept, [DICOM_JSON, 'application/json']);
      const list = await this.wado.find(uids as unknown as WadoTarget);
      await reply
        .code(200)
        .type(DICOM_JSON)
        .send(JSON.stringify(await this.wado.metadata(list)));
    });
  }

  private async sendMultipart(reply: FastifyReply, parts: OutPart[], partType: string) {
    const { contentType, body } = multipartStream(parts, partType);
    await reply.code(200).header('content-type', contentType).send(body);
  }
}
