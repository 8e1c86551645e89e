import type { PluginContext } from '@ropline/core';
import type { Database } from '@ropline/db';
import { PUBLISH_RESULTS, type BlobStore, type JobQueue, type PublishResultsJob } from '@ropline/gateway';
import {
  createSender,
  OutboxStore,
  startOutboxRunner,
  type OutboxRunner,
  type Sender,
} from '@ropline/outbox';
import { RopError } from '@ropline/core';
import type { ViewerConfig } from '../config/viewer.config.js';
import { buildAnalysisResults, type BuildSummary } from './result-objects.js';
import { latestReview } from './review-facts.js';

export interface Publisher {
  outbox: OutboxStore;
  runner: OutboxRunner;
  /** Builds (missing) result objects of the study's current analysis and queues them again; with
   * clinician labels, a new verified SR revision that supersedes the previous report. */
  republish(studyInstanceUid: string, actor: string): Promise<{ queued: number; revision: number }>;
  /** Builds and queues the results of one analysis (what the publish-results job does). */
  publishAnalysis(analysisId: string): Promise<BuildSummary>;
  close(): Promise<void>;
}

export interface PublisherDeps {
  config: ViewerConfig;
  db: Database;
  /** The gateway's local blob store (the outbox streams objects from its files). */
  blobs: BlobStore & { pathOf(sha256: string): string };
  queue: JobQueue;
  ctx: PluginContext;
}

/**
 * The viewer's publisher: takes `publish-results` jobs from the gateway's workers, builds the SC
 * overlays and the SR, and delivers them through the durable outbox to every configured destination.
 */
export async function startPublisher(deps: PublisherDeps): Promise<Publisher> {
  const { config, db, ctx } = deps;
  const outbox = new OutboxStore(db);
  const senders = new Map<string, Sender>(
    config.destinations.map((d) => [d.name, createSender(d, (sha) => deps.blobs.pathOf(sha))]),
  );
  const resultsTo = config.publish.resultsTo ?? config.destinations.map((d) => d.name);
  const runner = startOutboxRunner({ store: outbox, senders, policy: config.delivery, ctx });
  const buildDeps = {
    db,
    blobs: deps.blobs,
    outbox,
    destinations: resultsTo,
    overlayStyle: config.publish.overlayStyle,
    ctx,
  };
  const publishAnalysis = async (analysisId: string) => {
    const summary = await buildAnalysisResults(buildDeps, analysisId);
    if (summary.queued) runner.wake();
    return summary;
  };
  await deps.queue.work<PublishResultsJob>(
    PUBLISH_RESULTS,
    { batchSize: 1, pollingIntervalSeconds: 0.5 },
    async (job) => {
      await publishAnalysis(job.data.analysisId);
    },
  );
  return {
    outbox,
    runner,
    publishAnalysis,
    async republish(studyInstanceUid, actor) {
      const analysis = await db.prisma.analysis.findFirst({
        where: { study: { studyInstanceUid }, status: 'done' },
        orderBy: { createdAt: 'desc' },
      });
      if (!analysis)
        throw new RopError('VIEWER.NOTHING_TO_PUBLISH', 'the study has no finished analysis to publish');
      const lastReport = await db.prisma.resultObject.findFirst({
        where: { analysisId: analysis.id, kind: 'report' },
        orderBy: { revision: 'desc' },
      });
      const lastRevision = lastReport?.revision ?? -1;
      const review = await latestReview(db, studyInstanceUid, lastRevision + 1, actor);
      const reviewed = review && (!lastReport || review.at > lastReport.createdAt) ? review : undefined;
      const summary = await buildAnalysisResults(buildDeps, analysis.id, reviewed);
      const retried = await outbox.retry({ studyInstanceUid });
      runner.wake();
      return { queued: summary.queued + retried, revision: reviewed?.revision ?? Math.max(0, lastRevision) };
    },
    close: () => runner.close(),
  };
}
