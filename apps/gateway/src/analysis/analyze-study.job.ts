import { RopError, type PluginContext } from '@ropline/core';
import type { Database } from '@ropline/db';
import type { BlobStore } from '../blob/blob-store.port.js';
import type { QueueJob } from '../queue/job-queue.port.js';
import type { AnalyzeStudyJob } from './analysis.queues.js';
import { aggregateEyes } from './eye-aggregate.rule.js';
import { analyzeInstance, type PredictionRow } from './image-analysis.js';
import type { PipelineResolver } from './pipeline.resolver.js';

/** Optional metrics sink (GatewayMetrics, src/ops/metrics.ts). */
export interface AnalysisMetrics {
  /** Stage latencies (ms) of one analysed image, as stored in `predictions.latencies`. */
  observeImage(latenciesMs: Partial<Record<string, number>> | null | undefined): void;
  analysisFailed(code: string): void;
}

export interface AnalyzeStudyDeps {
  db: Database;
  blobs: BlobStore;
  resolver: PipelineResolver;
  quietPeriodMs: number;
  eyeStageMinConfidence: number;
  /** Re-schedules the job when the study is not quiet yet (StudyAssembler.trigger). */
  reschedule(job: AnalyzeStudyJob, delayMs: number): Promise<unknown>;
  /**
   * Enqueues `publish-results` for a done analysis. Called after the commit; a failure fails this
   * attempt, so the retry re-runs the (idempotent, same row) analysis and publishes again.
   */
  publish?(analysisId: string): Promise<unknown>;
  ctx: PluginContext;
  metrics?: AnalysisMetrics;
}

const json = (v: unknown) => (v === null || v === undefined ? undefined : (v as object));

/** Milliseconds until the study's last routed instance is `quietPeriodMs` old (<= 0: due). */
async function notQuietFor(deps: AnalyzeStudyDeps, studyId: string, pipeline: string): Promise<number> {
  const last = await deps.db.prisma.routingDecision.aggregate({
    _max: { decidedAt: true },
    where: { action: 'analyze', pipeline, instance: { series: { studyId } } },
  });
  const at = last._max.decidedAt?.getTime() ?? 0;
  return at + deps.quietPeriodMs - Date.now();
}

/**
 * One `analyze-study` attempt: waits out the quiet period (by re-scheduling), analyses every
 * instance routed to the job's pipeline, stores predictions + per-eye results, marks the analysis
 * done and older ones superseded. Throws (-> retry, then dead letter) when the pipeline cannot run;
 * on the last attempt the analysis row is left `failed` with the error code.
 */
export async function runAnalyzeStudy(job: QueueJob<AnalyzeStudyJob>, deps: AnalyzeStudyDeps): Promise<void> {
  const { prisma } = deps.db;
  const { studyInstanceUid, pipeline: key } = job.data;
  const study = await prisma.study.findUnique({ where: { studyInstanceUid } });
  if (!study)
    throw new RopError('ANALYSIS.STUDY_NOT_FOUND', 'The study of this job is not stored', {
      studyInstanceUid,
    });
  const wait = await notQuietFor(deps, study.id, key);
  if (wait > 0) {
    await deps.reschedule(job.data, wait);
    return;
  }
  const analysis = await prisma.analysis.upsert({
    where: { jobId: job.id },
    create: {
      jobId: job.id,
      studyId: study.id,
      pipelineKey: key,
      status: 'running',
      attempts: job.retryCount + 1,
    },
    update: { status: 'running', attempts: job.retryCount + 1, errorCode: null, errorMessage: null },
  });
  try {
    const resolved = await deps.resolver.resolve(key);
    const pipeline = await deps.resolver.load(resolved).catch((e: unknown) => {
      throw new RopError(
        'ANALYSIS.PIPELINE_LOAD_FAILED',
        `Pipeline '${key}' could not be loaded`,
        { key },
        { cause: e },
      );
    });
    const instances = await prisma.instance.findMany({
      where: { series: { studyId: study.id }, routing: { action: 'analyze', pipeline: key } },
      orderBy: [{ instanceNumber: 'asc' }, { receivedAt: 'asc' }],
      select: { id: true, blobSha256: true, frames: true, laterality: true },
    });
    const rows: PredictionRow[] = [];
    for (const inst of instances) rows.push(...(await analyzeInstance(pipeline, deps.blobs, inst)));
    // Class labels in the classifier's output order (the ordinal the per-eye rule ranks by).
    const classes = Object.keys(rows.find((r) => r.probabilities)?.probabilities ?? {});
    const eyes = aggregateEyes(
      rows.map((r) => ({
        id: r.id,
        laterality: r.laterality,
        stage: r.stage,
        confidence: r.confidence,
        classes,
      })),
      deps.eyeStageMinConfidence,
    );
    await prisma.$transaction(async (tx) => {
      await tx.prediction.deleteMany({ where: { analysisId: analysis.id } });
      await tx.eyeResult.deleteMany({ where: { analysisId: analysis.id } });
      await tx.prediction.createMany({
        data: rows.map((r) => ({
          ...r,
          analysisId: analysis.id,
          probabilities: json(r.probabilities),
          lines: json(r.lines),
          models: json(r.models),
          latencies: json(r.latencies),
        })),
      });
      await tx.eyeResult.createMany({
        data: eyes.map((e) => ({
          analysisId: analysis.id,
          laterality: e.laterality,
          stage: e.stage,
          confidence: e.confidence,
          evidencePredictionId: e.evidenceId,
          imageCount: e.imageCount,
        })),
      });
      await tx.analysis.update({
        where: { id: analysis.id },
        data: {
          status: 'done',
          pipelineName: resolved.name,
          pipelineVersion: resolved.version,
          imageCount: rows.length,
          finishedAt: new Date(),
        },
      });
      // Results of earlier runs on this study are replaced, explicitly, never merged.
      await tx.analysis.updateMany({
        where: {
          studyId: study.id,
          pipelineKey: key,
          id: { not: analysis.id },
          status: 'done',
          createdAt: { lte: analysis.createdAt },
        },
        data: { status: 'superseded', supersededById: analysis.id },
      });
    });
    for (const r of rows) {
      if (r.status === 'ok') deps.metrics?.observeImage(r.latencies as Partial<Record<string, number>>);
      else deps.metrics?.analysisFailed(r.errorCode ?? 'ANALYSIS.IMAGE_FAILED');
    }
    deps.ctx.log('info', 'study analysed', {
      studyInstanceUid,
      analysisId: analysis.id,
      images: rows.length,
      errors: rows.filter((r) => r.status === 'error').length,
      eyes: eyes.map((e) => `${e.laterality}:${e.stage}`).join(' '),
    });
  } catch (e) {
    const last = job.retryCount >= job.retryLimit;
    const code = (e as { code?: string }).code ?? 'ANALYSIS.FAILED';
    deps.metrics?.analysisFailed(code);
    await prisma.analysis.update({
      where: { id: analysis.id },
      data: {
        status: last ? 'failed' : 'retrying',
        errorCode: code.slice(0, 80),
        errorMessage: String((e as Error).message ?? e).slice(0, 500),
        finishedAt: last ? new Date() : null,
      },
    });
    deps.ctx.log(
      last ? 'error' : 'warn',
      last ? 'analysis failed (dead-lettered)' : 'analysis attempt failed',
      {
        studyInstanceUid,
        code,
        attempt: job.retryCount + 1,
      },
    );
    throw e;
  }
  await deps.publish?.(analysis.id);
}
