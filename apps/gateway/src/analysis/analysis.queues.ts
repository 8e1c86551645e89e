import type { JobQueue } from '../queue/job-queue.port.js';
import type { AnalysisConfig } from './analysis.config.js';
import type { PipelineResolver } from './pipeline.resolver.js';

export const ANALYZE_STUDY = 'analyze-study';
/** Where a job lands after its last retry failed (kept, visible, never retried by itself). */
export const ANALYZE_STUDY_DEAD = 'analyze-study-dead';

/** Sent once per finished analysis (payload `{ analysisId }`), taken by the viewer app (issue 7). */
export const PUBLISH_RESULTS = 'publish-results';

export interface PublishResultsJob {
  analysisId: string;
}

export interface AnalyzeStudyJob {
  studyInstanceUid: string;
  /** Key of analysis.pipelines. */
  pipeline: string;
}

/** One job per study, pipeline and model version at a time (see JobQueue 'stately'). */
export const singletonKeyOf = (job: AnalyzeStudyJob, version: string) =>
  `${job.studyInstanceUid}|${job.pipeline}@${version}`;

/** Creates the dead-letter queue, then analyze-study pointing at it (create before send). */
export async function ensureAnalysisQueues(queue: JobQueue, config: AnalysisConfig['queue']): Promise<void> {
  await queue.createQueue(ANALYZE_STUDY_DEAD, { retryLimit: 0 });
  await queue.createQueue(ANALYZE_STUDY, {
    policy: 'stately',
    retryLimit: config.retryLimit,
    retryDelaySeconds: config.retryDelaySeconds,
    retryBackoff: config.retryBackoff,
    expireInSeconds: config.expireInSeconds,
    deadLetter: ANALYZE_STUDY_DEAD,
  });
  await queue.createQueue(PUBLISH_RESULTS, {
    retryLimit: config.retryLimit,
    retryDelaySeconds: config.retryDelaySeconds,
    retryBackoff: config.retryBackoff,
  });
}

/** Hands a done analysis to the viewer (issue 7): `publish-results` with its id. */
export async function publishResults(queue: JobQueue, analysisId: string): Promise<string | null> {
  const job: PublishResultsJob = { analysisId };
  return queue.send(PUBLISH_RESULTS, job);
}

/** Sends analyze-study to start after `delayMs`; null when a job with its key is already queued. */
export async function scheduleAnalysis(
  queue: JobQueue,
  resolver: PipelineResolver,
  job: AnalyzeStudyJob,
  delayMs: number,
): Promise<string | null> {
  const version = await resolver.versionOf(job.pipeline);
  return queue.send(ANALYZE_STUDY, job, {
    singletonKey: singletonKeyOf(job, version),
    startAfterSeconds: Math.max(0, delayMs) / 1000,
  });
}
