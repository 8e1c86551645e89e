import { RopError, type PluginContext } from '@ropline/core';
import type { ModelRegistry } from '@ropline/registry';
import type { Database } from '@ropline/db';
import type { JobQueue } from '@ropline/gateway';
import type { RetrainingConfig, RetrainParams, RetrainRequest } from './retraining.config.js';

export const RETRAIN_QUEUE = 'retrain';
/** One queued and one running retraining at a time, across every viewer process. */
const SINGLETON = 'retrain';

export interface RetrainProgress {
  phase: 'snapshot' | 'train-segmenter' | 'train-classifier' | 'evaluate' | 'register' | string;
  /** 0..1 over the whole run. */
  fraction: number;
  message?: string;
  etaSeconds?: number;
}

export interface RetrainOutcome {
  snapshotHash: string;
  candidateName: string;
  candidateVersion: string;
  metrics: unknown;
}

/** Runs one retraining (snapshot -> retrain -> register), reporting progress; see cli-steps.ts. */
export type RetrainSteps = (
  run: { id: string; params: RetrainParams; requestedBy: string },
  onProgress: (p: RetrainProgress) => void,
) => Promise<RetrainOutcome>;

interface RetrainJob {
  runId?: string;
  trigger?: 'schedule';
}

export type RetrainingRunRow = Awaited<ReturnType<Database['prisma']['retrainingRun']['findFirstOrThrow']>>;

/**
 * Retraining as a queued job (pg-boss `retrain`, stately: one queued + one running): requested by a
 * data scientist from the viewer or by the cron schedule. Each run is a `retraining_runs` row whose
 * status and progress the viewer shows. The work itself runs in child processes at low priority
 * (see cli-steps.ts), so analysis of incoming studies is never blocked by it.
 */
export class RetrainingService {
  private lastWrite = 0;

  constructor(
    private readonly db: Database,
    private readonly queue: JobQueue,
    private readonly steps: RetrainSteps,
    private readonly config: RetrainingConfig,
    private readonly ctx: PluginContext,
    /** The model registry (where candidates are registered) for promote(). */
    private readonly registry?: ModelRegistry,
  ) {}

  /** Promotes this run's candidate through the metric gate (or `force` with a reason, audited). */
  async promote(
    runId: string,
    actor: string,
    opts: { force?: boolean; reason?: string } = {},
  ): Promise<{ name: string; version: string; status: string }> {
    if (!this.registry) throw new RopError('VIEWER.NO_RETRAINING', 'no model registry on this viewer');
    const run = await this.get(runId);
    if (!run) throw new RopError('REVIEW.NOT_FOUND', 'retraining run not found');
    if (run.status !== 'done' || !run.candidateName || !run.candidateVersion)
      throw new RopError(
        'RETRAIN.NOT_DONE',
        `the run is ${run.status}: only a finished run's candidate can be promoted`,
      );
    if (opts.force && !opts.reason?.trim())
      throw new RopError('REVIEW.BAD_REQUEST', 'force needs a reason (it is recorded in the audit trail)');
    // Loaded on use: the registry brings the model libraries (TensorFlow.js) with it.
    const { metricGate } = await import('@ropline/registry');
    const m = await this.registry.promote(run.candidateName, run.candidateVersion, {
      actor,
      gate: metricGate(),
      ...(opts.force ? { force: true } : {}),
      ...(opts.reason ? { reason: opts.reason } : {}),
    });
    return { name: m.name, version: m.version, status: m.status };
  }

  async start(): Promise<void> {
    await this.queue.createQueue(RETRAIN_QUEUE, {
      policy: 'stately',
      retryLimit: 0,
      expireInSeconds: 6 * 3600,
    });
    await this.queue.work<RetrainJob>(RETRAIN_QUEUE, { batchSize: 1, pollingIntervalSeconds: 2 }, (job) =>
      this.handle(job.data),
    );
    if (this.queue.schedule)
      await this.queue.schedule(RETRAIN_QUEUE, this.config.schedule ?? null, { trigger: 'schedule' });
  }

  /** Queues a run; RETRAIN.ALREADY_QUEUED (409) when one is already waiting. */
  async request(actor: string, overrides: RetrainRequest = {}): Promise<RetrainingRunRow> {
    const { schedule: _schedule, ...defaults } = this.config;
    const params: RetrainParams = { ...defaults, ...overrides };
    const run = await this.db.prisma.retrainingRun.create({
      data: { trigger: 'manual', requestedBy: actor, params },
    });
    const jobId = await this.queue.send(RETRAIN_QUEUE, { runId: run.id } satisfies RetrainJob, {
      singletonKey: SINGLETON,
    });
    if (!jobId) {
      await this.db.prisma.retrainingRun.update({
        where: { id: run.id },
        data: { status: 'failed', errorCode: 'RETRAIN.ALREADY_QUEUED', finishedAt: new Date() },
      });
      throw new RopError('RETRAIN.ALREADY_QUEUED', 'a retraining is already queued; wait for it to start');
    }
    this.ctx.log('info', 'retraining requested', { run: run.id, actor });
    return run;
  }

  list(limit = 20): Promise<RetrainingRunRow[]> {
    return this.db.prisma.retrainingRun.findMany({ orderBy: { createdAt: 'desc' }, take: limit });
  }

  get(id: string): Promise<RetrainingRunRow | null> {
    return this.db.prisma.retrainingRun.findUnique({ where: { id } });
  }

  /** The job: runs the steps and records the outcome; never retried automatically (expensive). */
  async handle(job: RetrainJob): Promise<void> {
    const { schedule: _schedule, ...defaults } = this.config;
    const run = job.runId
      ? await this.db.prisma.retrainingRun.findUnique({ where: { id: job.runId } })
      : await this.db.prisma.retrainingRun.create({
          data: { trigger: 'schedule', requestedBy: 'schedule', params: defaults },
        });
    if (!run || run.status !== 'queued') return;
    await this.db.prisma.retrainingRun.update({
      where: { id: run.id },
      data: { status: 'running', startedAt: new Date(), progress: { phase: 'snapshot', fraction: 0 } },
    });
    const onProgress = (p: RetrainProgress) => {
      // At most one progress write per second (epochs can be quick).
      const now = Date.now();
      if (now - this.lastWrite < 1000 && p.fraction < 1) return;
      this.lastWrite = now;
      void this.db.prisma.retrainingRun
        .update({ where: { id: run.id }, data: { progress: { ...p } } })
        .catch(() => undefined);
    };
    try {
      const out = await this.steps(
        { id: run.id, params: run.params as RetrainParams, requestedBy: run.requestedBy },
        onProgress,
      );
      await this.db.prisma.retrainingRun.update({
        where: { id: run.id },
        data: {
          status: 'done',
          finishedAt: new Date(),
          progress: { phase: 'done', fraction: 1 },
          snapshotHash: out.snapshotHash,
          candidateName: out.candidateName,
          candidateVersion: out.candidateVersion,
          metrics: out.metrics as object,
        },
      });
      this.ctx.log('info', 'retraining done', { run: run.id, candidate: out.candidateVersion });
    } catch (e) {
      const code = (e as { code?: string }).code ?? 'RETRAIN.FAILED';
      await this.db.prisma.retrainingRun.update({
        where: { id: run.id },
        data: {
          status: 'failed',
          finishedAt: new Date(),
          errorCode: code.slice(0, 80),
          errorMessage: String((e as Error).message ?? e).slice(0, 2000),
        },
      });
      this.ctx.log('error', 'retraining failed', { run: run.id, code });
    }
  }
}
