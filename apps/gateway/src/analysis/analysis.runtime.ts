import { RopError, type PluginContext, type PluginRegistry } from '@ropline/core';
import type { Database } from '@ropline/db';
import type { BlobStore } from '../blob/blob-store.port.js';
import type { GatewayConfig } from '../config/gateway.config.js';
import type { JobQueue } from '../queue/job-queue.port.js';
import { pipelineSources } from './analysis.config.js';
import { ensureAnalysisQueues } from './analysis.queues.js';
import type { AnalysisWorker } from './analysis.worker.js';
import type { AnalysisMetrics } from './analyze-study.job.js';
import { PipelineResolver, pipelineLoader } from './pipeline.resolver.js';
import { StudyAssembler } from './study-assembler.service.js';

export interface AnalysisRuntime {
  queue: JobQueue;
  resolver: PipelineResolver;
  assembler: StudyAssembler;
  /** null when `worker.enabled` is false (another node runs the worker role). */
  worker: AnalysisWorker | null;
  /** Stops the queue (waits for running jobs), then frees pipelines. Safe to call twice. */
  close(): Promise<void>;
}

/** Fails start-up when an `analyze` rule names a pipeline that is not configured. */
function checkRulePipelines(config: GatewayConfig, resolver: PipelineResolver): void {
  for (const r of config.routing.rules) {
    if (r.action === 'analyze' && !resolver.has(r.pipeline)) {
      throw new RopError(
        'CONFIG.INVALID',
        `routing rule ${r.name ?? '(unnamed)'} names pipeline '${r.pipeline}': add it under analysis.pipelines`,
      );
    }
  }
}

/**
 * StudyAssembler.catchUp now (in the background: start-up does not wait for it) and every
 * `intervalMs` (0: never again), one run at a time; failures are logged and retried next time.
 */
function startCatchUp(assembler: StudyAssembler, intervalMs: number, ctx: PluginContext) {
  let running: Promise<void> | null = null;
  const run = () => {
    running ??= assembler
      .catchUp()
      .then(
        () => undefined,
        (e: unknown) =>
          ctx.log('warn', 'analysis catch-up failed', { code: (e as { code?: string }).code ?? 'INTERNAL' }),
      )
      .finally(() => (running = null));
  };
  run();
  const timer = intervalMs > 0 ? setInterval(run, intervalMs).unref() : null;
  return {
    async stop() {
      if (timer) clearInterval(timer);
      await running;
    },
  };
}

/** Queue (plugin 'job-queue'), routing + study assembly, and, when enabled, the in-process worker. */
export async function startAnalysis(o: {
  config: GatewayConfig;
  db: Database;
  blobs: BlobStore;
  registry: PluginRegistry;
  ctx: PluginContext;
  /** Analysis metrics for the in-process worker (src/ops/metrics.ts). */
  metrics?: AnalysisMetrics;
}): Promise<AnalysisRuntime> {
  const { config, db, ctx } = o;
  const resolver = new PipelineResolver(
    pipelineSources(config.analysis),
    db,
    ctx,
    pipelineLoader(config.worker, ctx),
  );
  checkRulePipelines(config, resolver);
  const queue = await o.registry.create<JobQueue>(
    'job-queue',
    'pg-boss',
    {
      connectionString: db.url,
      superviseIntervalSeconds: config.analysis.queue.superviseIntervalSeconds,
    },
    ctx,
  );
  let worker: AnalysisWorker | null = null;
  try {
    await queue.start();
    await ensureAnalysisQueues(queue, config.analysis.queue);
    if (config.worker.enabled) {
      // Loaded only with a worker: it brings TensorFlow.js (an api-only role stays small).
      const { createAnalysisWorker } = await import('./analysis.worker.js');
      worker = createAnalysisWorker({
        ...o,
        queue,
        analysis: config.analysis,
        worker: config.worker,
        resolver,
      });
      await worker.start();
    }
  } catch (e) {
    await queue.dispose().catch(() => undefined);
    throw e;
  }
  const assembler = new StudyAssembler({
    db,
    queue,
    routing: config.routing,
    resolver,
    quietPeriodMs: config.analysis.quietPeriodMs,
    ctx,
  });
  const catchUp = startCatchUp(assembler, config.analysis.catchUpIntervalMs, ctx);
  let closing: Promise<void> | null = null;
  return {
    queue,
    resolver,
    assembler,
    worker,
    close() {
      closing ??= (async () => {
        await catchUp.stop();
        await queue.dispose().catch(() => undefined);
        await worker?.close();
        await resolver.dispose();
      })();
      return closing;
    },
  };
}
