import { Body, Controller, Get, Inject, Param, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RopError } from '@ropline/core';
import { principalOf, RequireRoles } from '@ropline/gateway';
import { retrainRequestSchema } from '../retraining/retraining.config.js';
import { badRequest, uuidParam } from '../review/review.errors.js';
import { REVIEW_SERVICES, type ReviewServices } from './review.deps.js';
import { handle } from './reply.util.js';

const actorOf = (req: FastifyRequest) => principalOf(req)?.name ?? 'unknown';

/** Retraining from confirmed labels (issue 8): data scientists start runs, follow them, promote. */
@Controller('api/review/retraining')
@RequireRoles('data-scientist')
export class RetrainingController {
  constructor(@Inject(REVIEW_SERVICES) private readonly s: ReviewServices) {}

  private service() {
    if (!this.s.retraining)
      throw new RopError('VIEWER.NO_RETRAINING', 'retraining is not enabled on this viewer');
    return this.s.retraining;
  }

  @Get()
  async list(@Res() reply: FastifyReply) {
    await handle(this.s.ctx, reply, 'retraining-list', async () => {
      const runs = await this.service().list();
      await reply.type('application/json').header('cache-control', 'no-store').send(runs);
    });
  }

  @Post()
  async start(@Body() body: unknown, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    await handle(this.s.ctx, reply, 'retraining-start', async () => {
      const parsed = retrainRequestSchema.safeParse(body ?? {});
      if (!parsed.success)
        throw badRequest(
          `invalid retraining request: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ')}`,
        );
      const run = await this.service().request(actorOf(req), parsed.data);
      await reply.code(202).type('application/json').send(run);
    });
  }

  @Get(':id')
  async get(@Param('id') id: string, @Res() reply: FastifyReply) {
    await handle(this.s.ctx, reply, 'retraining-get', async () => {
      const run = await this.service().get(uuidParam(id, 'run id'));
      if (!run) throw new RopError('REVIEW.NOT_FOUND', 'retraining run not found');
      await reply.type('application/json').header('cache-control', 'no-store').send(run);
    });
  }

  @Post(':id/promote')
  async promote(
    @Param('id') id: string,
    @Body() body: unknown,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    await handle(this.s.ctx, reply, 'retraining-promote', async () => {
      const b = (body ?? {}) as { force?: unknown; reason?: unknown };
      if (
        (b.force !== undefined && typeof b.force !== 'boolean') ||
        (b.reason !== undefined && typeof b.reason !== 'string')
      )
        throw badRequest('body is {force?: boolean, reason?: string}');
      const promoted = await this.service().promote(uuidParam(id, 'run id'), actorOf(req), {
        force: b.force as boolean | undefined,
        reason: b.reason as string | undefined,
      });
      await reply.code(200).type('application/json').send(promoted);
    });
  }
}
