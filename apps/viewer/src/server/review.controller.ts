import { Body, Controller, Get, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RopError } from '@ropline/core';
import { principalOf, RequireRoles } from '@ropline/gateway';
import { maxSide } from '../review/image-render.service.js';
import { badRequest, intParam, uuidParam } from '../review/review.errors.js';
import { REVIEW_STATUSES, type ReviewStatus } from '../review/worklist.service.js';
import { REVIEW_SERVICES, type ReviewServices } from './review.deps.js';
import { handle } from './reply.util.js';

const STAGE = /^[A-Za-z0-9_-]{1,32}$/;
const actorOf = (req: FastifyRequest) => principalOf(req)?.name ?? 'unknown';

/** The review API (JSON, PHI-free; internal UUIDs in URLs). Clinicians read and label. */
@Controller('api/review')
@RequireRoles('clinician')
export class ReviewController {
  constructor(@Inject(REVIEW_SERVICES) private readonly s: ReviewServices) {}

  @Get('worklist')
  async worklist(@Query() q: Record<string, string | undefined>, @Res() reply: FastifyReply) {
    await handle(this.s.ctx, reply, 'worklist', async () => {
      if (q.status && !REVIEW_STATUSES.includes(q.status as ReviewStatus))
        throw badRequest(`status must be one of ${REVIEW_STATUSES.join(', ')}`);
      if (q.minStage && !STAGE.test(q.minStage)) throw badRequest('minStage is not a stage');
      const rows = await this.s.worklist.list({
        status: (q.status || undefined) as ReviewStatus | undefined,
        minStage: q.minStage || undefined,
        limit: intParam(q.limit, 'limit', 100, 1000),
        offset: intParam(q.offset, 'offset', 0, 1_000_000),
      });
      await reply.type('application/json').header('cache-control', 'no-store').send(rows);
    });
  }

  @Get('studies/:id')
  async study(@Param('id') id: string, @Res() reply: FastifyReply) {
    await handle(this.s.ctx, reply, 'study', async () => {
      const view = await this.s.studies.view(uuidParam(id, 'study id'));
      await reply.type('application/json').header('cache-control', 'no-store').send(view);
    });
  }

  @Get('images/:instanceId/frames/:file')
  async frame(
    @Param('instanceId') instanceId: string,
    @Param('file') file: string,
    @Query('max') max: string | undefined,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    await handle(this.s.ctx, reply, 'frame', async () => {
      const m = /^([0-9]{1,6})\.png$/.exec(file);
      if (!m) throw badRequest('expected frames/{n}.png (n from 0)');
      const out = await this.s.images.frame(uuidParam(instanceId, 'instance id'), Number(m[1]), maxSide(max));
      await sendPng(req, reply, out);
    });
  }

  @Get('images/:instanceId/frames/:n/mask.png')
  async mask(
    @Param('instanceId') instanceId: string,
    @Param('n') n: string,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    await handle(this.s.ctx, reply, 'mask', async () => {
      const out = await this.s.images.mask(
        uuidParam(instanceId, 'instance id'),
        intParam(n, 'frame', 0, 100_000),
      );
      await sendPng(req, reply, out);
    });
  }

  @Post('studies/:id/labels')
  async label(
    @Param('id') id: string,
    @Body() body: unknown,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    await handle(this.s.ctx, reply, 'label', async () => {
      const label = await this.s.labels.create(uuidParam(id, 'study id'), body, actorOf(req));
      this.s.ctx.log('info', 'label stored', { labelId: label.id, scope: label.scope, kind: label.kind });
      await reply.code(201).type('application/json').send(label);
    });
  }

  @Post('studies/:id/publish')
  async publish(@Param('id') id: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    await handle(this.s.ctx, reply, 'publish', async () => {
      const studyId = uuidParam(id, 'study id');
      if (!this.s.publisher)
        throw new RopError('VIEWER.NO_PUBLISHER', 'publishing is not configured on this viewer');
      const view = await this.s.studies.view(studyId);
      const { queued } = await this.s.publisher.republish(view.studyInstanceUid, actorOf(req));
      await reply.code(202).type('application/json').send({ queued });
    });
  }

  @Get('labels/export')
  @RequireRoles('data-scientist')
  async export(@Query('since') since: string | undefined, @Res() reply: FastifyReply) {
    await handle(this.s.ctx, reply, 'export', async () => {
      const from = since ? new Date(since) : null;
      if (from && Number.isNaN(from.getTime())) throw badRequest('since must be an ISO 8601 date-time');
      let body = '';
      for await (const line of this.s.labels.exportLines(from)) body += line;
      await reply.type('application/x-ndjson').header('cache-control', 'no-store').send(body);
    });
  }
}

/** Who am I (any valid token): the SPA's header and its sign-in decision. */
@Controller('api/review/me')
export class ReviewMeController {
  constructor(@Inject(REVIEW_SERVICES) private readonly s: ReviewServices) {}

  @Get()
  me(@Req() req: FastifyRequest) {
    const p = principalOf(req);
    return { name: p?.name ?? 'unknown', roles: p?.roles ?? [], authRequired: this.s.authRequired };
  }
}

async function sendPng(req: FastifyRequest, reply: FastifyReply, out: { png: Buffer; etag: string }) {
  // Revalidated by ETag (blob digests): a keep-newest replacement or a new analysis changes it.
  reply.header('etag', out.etag).header('cache-control', 'private, no-cache');
  if (req.headers['if-none-match'] === out.etag) return void (await reply.code(304).send());
  await reply.type('image/png').send(out.png);
}
