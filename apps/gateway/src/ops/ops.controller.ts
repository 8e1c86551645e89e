import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { Database } from '@ropline/db';
import { Public } from '../auth/auth.guard.js';
import type { JobQueue } from '../queue/job-queue.port.js';
import type { GatewayMetrics } from './metrics.js';
import { openApiDocument } from './openapi.js';

export const OPS_DEPS = Symbol('OpsDeps');

export interface OpsDeps {
  db: Pick<Database, 'prisma'>;
  queue: Pick<JobQueue, 'isStarted'>;
  metrics: GatewayMetrics;
  /** Readiness probe timeout per check (ms). */
  readyTimeoutMs?: number;
}

type Check = { ok: true } | { ok: false; error: string };

const withTimeout = <T>(p: Promise<T>, ms: number): Promise<T> =>
  Promise.race([
    p,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms).unref()),
  ]);

/** Liveness, readiness, Prometheus metrics and the OpenAPI document: no token needed. */
@Public()
@Controller()
export class OpsController {
  constructor(@Inject(OPS_DEPS) private readonly deps: OpsDeps) {}

  @Get('health/live')
  async live(@Res() reply: FastifyReply): Promise<void> {
    await reply
      .code(200)
      .type('application/json')
      .send(JSON.stringify({ status: 'ok' }));
  }

  @Get('health/ready')
  async ready(@Res() reply: FastifyReply): Promise<void> {
    const timeout = this.deps.readyTimeoutMs ?? 3000;
    const database: Check = await withTimeout(this.deps.db.prisma.$queryRaw`SELECT 1`, timeout).then(
      () => ({ ok: true as const }),
      (e: unknown) => ({
        ok: false as const,
        error: (e as { code?: string }).code ?? 'DB.UNAVAILABLE',
      }),
    );
    const queue: Check = this.deps.queue.isStarted?.()
      ? { ok: true }
      : { ok: false, error: 'QUEUE.NOT_STARTED' };
    const checks = { database, queue };
    const notReady = Object.entries(checks)
      .filter(([, c]) => !c.ok)
      .map(([k]) => k);
    const body = { status: notReady.length ? 'not-ready' : 'ready', notReady, checks };
    await reply
      .code(notReady.length ? 503 : 200)
      .type('application/json')
      .send(JSON.stringify(body));
  }

  @Get('metrics')
  async metrics(@Res() reply: FastifyReply): Promise<void> {
    const { contentType, body } = await this.deps.metrics.render();
    await reply.code(200).type(contentType).send(body);
  }

  @Get('openapi.json')
  async openapi(@Res() reply: FastifyReply): Promise<void> {
    await reply.code(200).type('application/json').send(JSON.stringify(openApiDocument()));
  }
}
