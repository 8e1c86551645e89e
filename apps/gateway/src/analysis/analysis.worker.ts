import type { PluginContext } from '@ropline/core';
import type { Database } from '@ropline/db';
import { initBackend } from '@ropline/models';
import type { BlobStore } from '../blob/blob-store.port.js';
import type { JobQueue } from '../queue/job-queue.port.js';
import {
  analysisConfigSchema,
  pipelineSources,
  workerConfigSchema,
  type AnalysisConfig,
  type WorkerConfig,
} from './analysis.config.js';
import {
  ANALYZE_STUDY,
  ensureAnalysisQueues,
  publishResults,
  scheduleAnalysis,
  type AnalyzeStudyJob,
} from './analysis.queues.js';
import { runAnalyzeStudy, type AnalysisMetrics } from './analyze-study.job.js';
import { PipelineResolver, pipelineLoader } from './pipeline.resolver.js';

export interface AnalysisWorkerDeps {
  db: Database;
  blobs: BlobStore;
  /** A started JobQueue (kind 'job-queue'); the worker does not dispose it. */
  queue: JobQueue;
  /** `analysis` section of the gateway config (pipelineDir / pipelines, quiet period, threshold). */
  analysis?: Partial<AnalysisConfig> | AnalysisConfig;
  worker?: Partial<WorkerConfig>;
  /** Shared with the gateway's StudyAssembler when both run in one process. */
  resolver?: PipelineResolver;
  ctx: PluginContext;
  /** Analysis latency/failure metrics (src/ops/metrics.ts); optional. */
  metrics?: AnalysisMetrics;
}

export interface AnalysisWorker {
  start(): Promise<void>;
  /** Stops taking jobs is the queue's job (dispose it); this frees loaded pipelines. Safe twice. */
  close(): Promise<void>;
}

/**
 * The analysis worker role: takes `analyze-study` jobs (batchSize, polling interval), runs the
 * study through its pipeline and stores the results. Run it in the gateway (`worker.enabled`) or
 * alone (`startWorker`), as many as wanted against one Postgres and one blob store.
 */
export function createAnalysisWorker(deps: AnalysisWorkerDeps): AnalysisWorker {
  const analysis = analysisConfigSchema.parse(deps.analysis ?? {});
  const worker = workerConfigSchema.parse(deps.worker ?? {});
  const ownResolver = !deps.resolver;
  const resolver =
    deps.resolver ??
    new PipelineResolver(pipelineSources(analysis), deps.db, deps.ctx, pipelineLoader(worker, deps.ctx));
  let started: Promise<void> | null = null;
  let closing: Promise<void> | null = null;
  return {
    start() {
      started ??= (async () => {
        // With inference threads each thread starts its own backend (createPooledPipeline).
        if (worker.inferenceThreads === 0) await initBackend({ backend: worker.backend }, deps.ctx);
        await ensureAnalysisQueues(deps.queue, analysis.queue);
        await deps.queue.work<AnalyzeStudyJob>(
          ANALYZE_STUDY,
          { batchSize: worker.batchSize, pollingIntervalSeconds: worker.pollingIntervalSeconds },
          (job) =>
            runAnalyzeStudy(job, {
              db: deps.db,
              blobs: deps.blobs,
              resolver,
              quietPeriodMs: analysis.quietPeriodMs,
              eyeStageMinConfidence: analysis.eyeStageMinConfidence,
              reschedule: (data, delayMs) => scheduleAnalysis(deps.queue, resolver, data, delayMs),
              publish: (analysisId) => publishResults(deps.queue, analysisId),
              ctx: deps.ctx,
              metrics: deps.metrics,
            }),
        );
        deps.ctx.log('info', 'analysis worker started', {
          batchSize: worker.batchSize,
          inferenceThreads: worker.inferenceThreads,
        });
      })();
      return started;
    },
    close() {
      closing ??= ownResolver ? resolver.dispose() : Promise.resolve();
      return closing;
    },
  };
}
