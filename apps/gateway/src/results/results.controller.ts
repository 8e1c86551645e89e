import { Controller, Get, Inject, Param, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { isRopError, RopError, type PluginContext } from '@ropline/core';
import { RequireRoles } from '../auth/auth.guard.js';
import { isUid } from '../dicomweb/dicomweb.params.js';
import { GATEWAY_CONTEXT } from '../stow/stow.controller.js';
import { ResultsService, STUDY_STATUSES, type StudyStatus } from './results.service.js';

export const RESULTS_SERVICE = Symbol('ResultsService');

const STAGE = /^[A-Za-z0-9_-]{1,32}$/;
const bad = (message: string) => new RopError('RESULTS.BAD_REQUEST', message);

function uid(value: string | undefined, name: string): string {
  if (value === undefined || !isUid(value)) throw bad(`${name} is not a valid UID`);
  return value;
}

function int(value: string | undefined, name: string, dflt: number, max: number): number {
  if (value === undefined) return dflt;
  if (!/^[0-9]{1,9}$/.test(value) || Number(value) > max) throw bad(`${name} must be an integer 0..${max}`);
  return Number(value);
}

const statusOf = (e: unknown) =>
  isRopError(e) && e.code === 'RESULTS.BAD_REQUEST'
    ? 400
    : isRopError(e) && (e.code === 'RESULTS.NOT_FOUND' || e.code === 'BLOB.NOT_FOUND')
      ? 404
      : 500;

/** Results API (JSON, PHI-free): study results, line masks, a small worklist. */
@Controller('api/studies')
@RequireRoles('clinician')
export class ResultsController {
  constructor(
    @Inject(RESULTS_SERVICE) private readonly results: ResultsService,
    @Inject(GATEWAY_CONTEXT) private readonly ctx: PluginContext,
  ) {}

  private async handle(reply: FastifyReply, route: string, run: () => Promise<void>): Promise<void> {
    try {
      await run();
    } catch (e) {
      const status = statusOf(e);
      const code = isRopError(e) ? e.code : 'UNEXPECTED';
      this.ctx.log(status >= 500 ? 'error' : 'warn', 'results request failed', { route, status, code });
      const message = isRopError(e) ? e.message : 'internal error';
      if (!reply.sent) await reply.code(status).type('application/json').send({ code, message });
    }
  }

  @Get()
  async worklist(@Query() q: Record<string, string | undefined>, @Res() reply: FastifyReply) {
    await this.handle(reply, 'worklist', async () => {
      const status = q.status;
      if (status !== undefined && !STUDY_STATUSES.includes(status as StudyStatus)) {
        throw bad(`status must be one of ${STUDY_STATUSES.join(', ')}`);
      }
      if (q.stageAtLeast !== undefined && !STAGE.test(q.stageAtLeast))
        throw bad('stageAtLeast is not a stage');
      const items = await this.results.worklist({
        status: status as StudyStatus | undefined,
        stageAtLeast: q.stageAtLeast,
        limit: int(q.limit, 'limit', 100, 1000),
        offset: int(q.offset, 'offset', 0, 1_000_000),
      });
      await reply.type('application/json').send(items);
    });
  }

  @Get(':study/results')
  async studyResults(@Param('study') study: string, @Res() reply: FastifyReply) {
    await this.handle(reply, 'results', async () => {
      const body = await this.results.studyResults(uid(study, 'StudyInstanceUID'));
      await reply.type('application/json').send(body);
    });
  }

  @Get(':study/instances/:sop/mask')
  async mask(
    @Param('study') study: string,
    @Param('sop') sop: string,
    @Query('frame') frame: string | undefined,
    @Res() reply: FastifyReply,
  ) {
    await this.handle(reply, 'mask', async () => {
      const png = await this.results.mask(
        uid(study, 'StudyInstanceUID'),
        uid(sop, 'SOPInstanceUID'),
        int(frame, 'frame', 0, 1_000_000),
      );
      await reply.type('image/png').header('cache-control', 'no-store').send(png);
    });
  }
}

/** Controller + provider for GatewayModule (served with the DICOMweb read side: same db and blobs). */
export function resultsModuleParts(deps: {
  db: ConstructorParameters<typeof ResultsService>[0];
  blobs: ConstructorParameters<typeof ResultsService>[1];
}) {
  return {
    controllers: [ResultsController],
    providers: [{ provide: RESULTS_SERVICE, useValue: new ResultsService(deps.db, deps.blobs) }],
  };
}
