import { PgBoss, type JobWithMetadata } from 'pg-boss';
import { z } from 'zod';
import { RopError, type PluginContext, type PluginManifest } from '@ropline/core';
import type {
  JobQueue,
  QueueJob,
  QueueJobInfo,
  QueueSpec,
  SendOptions,
  WorkOptions,
} from './job-queue.port.js';

export const pgBossConfigSchema = z
  .object({
    /** The Postgres the gateway uses (its `db.url`); holds a password: never logged. */
    connectionString: z.string().regex(/^postgres(ql)?:\/\//, 'expected a postgresql:// URL'),
    /** pg-boss's own schema in that database. */
    schema: z
      .string()
      .regex(/^[a-z_][a-z0-9_]*$/)
      .default('pgboss'),
    /** How often expired jobs are failed (then retried) and queues monitored (pg-boss default 60). */
    superviseIntervalSeconds: z.number().int().min(1).max(3600).default(60),
  })
  .strict();

export type PgBossConfig = z.output<typeof pgBossConfigSchema>;

const errorData = (e: unknown) => ({
  code: (e as { code?: string }).code ?? 'INTERNAL',
  message: String((e as Error).message ?? e).slice(0, 500),
});

/** pg-boss 12 adapter: same Postgres as Prisma, own schema. */
export function createPgBossQueue(config: PgBossConfig, ctx: PluginContext): JobQueue {
  const boss = new PgBoss({
    connectionString: config.connectionString,
    schema: config.schema,
    superviseIntervalSeconds: config.superviseIntervalSeconds,
    monitorIntervalSeconds: config.superviseIntervalSeconds,
  });
  // Without a listener an 'error' event would crash the process (EventEmitter semantics).
  boss.on('error', (e) => ctx.log('error', 'job queue error', { code: errorData(e).code }));
  let started: Promise<void> | null = null;
  let stopping: Promise<void> | null = null;
  let running = false;
  return {
    start() {
      started ??= boss.start().then(
        () => {
          running = true;
        },
        (e: unknown) => {
          throw new RopError(
            'QUEUE.UNAVAILABLE',
            'The job queue (pg-boss) could not start',
            {},
            { cause: e },
          );
        },
      );
      return started;
    },
    async createQueue(name: string, spec: QueueSpec = {}) {
      // pg-boss validates present keys: leave unset ones out rather than passing undefined.
      const options = Object.fromEntries(
        Object.entries({
          policy: spec.policy ?? 'standard',
          retryLimit: spec.retryLimit,
          retryDelay: spec.retryDelaySeconds,
          retryBackoff: spec.retryBackoff,
          expireInSeconds: spec.expireInSeconds,
          deadLetter: spec.deadLetter,
        }).filter(([, v]) => v !== undefined),
      ) as { policy: string };
      const existing = await boss.getQueue(name);
      if (!existing) await boss.createQueue(name, options);
      else {
        const { policy: _policy, ...mutable } = options;
        await boss.updateQueue(name, mutable);
      }
    },
    send(name: string, data: object, options: SendOptions = {}) {
      return boss.send(name, data, {
        ...(options.singletonKey ? { singletonKey: options.singletonKey } : {}),
        ...(options.startAfterSeconds
          ? { startAfter: new Date(Date.now() + options.startAfterSeconds * 1000) }
          : {}),
      });
    },
    async schedule(name: string, cron: string | null, data: object = {}) {
      if (cron === null) await boss.unschedule(name);
      else await boss.schedule(name, cron, data, { tz: 'UTC' });
    },
    async work<T>(name: string, options: WorkOptions, handler: (job: QueueJob<T>) => Promise<void>) {
      await boss.work(
        name,
        {
          batchSize: options.batchSize,
          pollingIntervalSeconds: options.pollingIntervalSeconds,
          includeMetadata: true,
        },
        async (jobs: JobWithMetadata<T>[]) => {
          // One settle per job: a failure fails only its own job; the rest complete on return.
          for (const job of jobs) {
            try {
              await handler({
                id: job.id,
                data: job.data,
                retryCount: job.retryCount,
                retryLimit: job.retryLimit,
              });
            } catch (e) {
              await boss.fail(name, job.id, errorData(e));
            }
          }
        },
      );
    },
    async findJobs(name: string): Promise<QueueJobInfo[]> {
      const jobs = await boss.findJobs<unknown>(name);
      return jobs.map((j) => ({
        id: j.id,
        state: j.state,
        singletonKey: j.singletonKey,
        data: j.data,
        output: j.output,
        retryCount: j.retryCount,
      }));
    },
    isStarted() {
      return running && stopping === null;
    },
    async depths() {
      const queues = await boss.getQueues();
      return Object.fromEntries(queues.map((q) => [q.name, q.queuedCount]));
    },
    dispose() {
      stopping ??= started
        ? started.then(
            () => boss.stop({ graceful: true, timeout: 30_000 }),
            () => undefined,
          )
        : Promise.resolve();
      return stopping;
    },
  };
}

export const pgBossQueueManifest: PluginManifest<PgBossConfig, JobQueue> = {
  kind: 'job-queue',
  id: 'pg-boss',
  configSchema: pgBossConfigSchema,
  create: createPgBossQueue,
};
