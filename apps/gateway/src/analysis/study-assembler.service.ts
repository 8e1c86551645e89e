import type { PluginContext } from '@ropline/core';
import type { Database } from '@ropline/db';
import type { IngestSource, StoreOutcome } from '../ingest/ingest.service.js';
import type { InstanceFacts } from '../ingest/instance.validator.js';
import type { JobQueue } from '../queue/job-queue.port.js';
import type { RoutingConfig } from '../routing/routing.config.js';
import { routeInstance, type RouteDecision, type RoutingFacts } from '../routing/routing.rules.js';
import { scheduleAnalysis, type AnalyzeStudyJob } from './analysis.queues.js';
import type { PipelineResolver } from './pipeline.resolver.js';

export function routingFactsOf(facts: InstanceFacts, from: IngestSource): RoutingFacts {
  const i = facts.info;
  return {
    sopClassUid: facts.sopClassUid,
    modality: i.modality,
    manufacturer: i.manufacturer,
    manufacturerModelName: i.model,
    stationName: facts.stationName,
    callingAeTitle: from.source === 'dimse' ? from.remote : undefined,
    imageLaterality: i.laterality,
  };
}

export interface StudyAssemblerDeps {
  db: Database;
  queue: JobQueue;
  routing: RoutingConfig;
  resolver: PipelineResolver;
  quietPeriodMs: number;
  ctx: PluginContext;
}

/**
 * Routes each stored instance, records the decision, and schedules `analyze-study` for its study
 * one quiet period later. A trigger while a job is queued collapses into it (singleton key); the
 * worker re-checks the quiet period when the job starts and re-schedules itself if an instance
 * arrived meanwhile, so the analysis starts only after the study has been quiet.
 */
export class StudyAssembler {
  constructor(private readonly deps: StudyAssemblerDeps) {}

  /** IngestService's onStored hook. */
  readonly onStored = async (
    instance: { facts: InstanceFacts; from: IngestSource },
    outcome: StoreOutcome,
  ): Promise<void> => {
    const { facts, from } = instance;
    const { prisma } = this.deps.db;
    const row = await prisma.instance.findUnique({
      where: { sopInstanceUid: facts.sopInstanceUid },
      select: { id: true, routing: true },
    });
    if (!row) return;
    // Same bytes again: already routed (unless a crash came between store and routing).
    if (outcome === 'already-stored' && row.routing) return;
    const decision = routeInstance(this.deps.routing, routingFactsOf(facts, from));
    await this.record(row.id, decision);
    this.deps.ctx.log('info', 'instance routed', {
      sopInstanceUid: facts.sopInstanceUid,
      action: decision.action,
      rule: decision.rule,
    });
    if (decision.action === 'analyze') {
      await this.trigger({
        studyInstanceUid: facts.studyInstanceUid,
        pipeline: decision.pipeline ?? 'default',
      });
    }
  };

  /** Schedules analysis after the quiet period; null when a job for this key is already queued. */
  async trigger(job: AnalyzeStudyJob, delayMs = this.deps.quietPeriodMs): Promise<string | null> {
    const id = await scheduleAnalysis(this.deps.queue, this.deps.resolver, job, delayMs);
    this.deps.ctx.log('debug', id ? 'analysis scheduled' : 'analysis already scheduled', {
      studyInstanceUid: job.studyInstanceUid,
      pipeline: job.pipeline,
    });
    return id;
  }

  private async record(instanceId: string, d: RouteDecision): Promise<void> {
    const data = {
      action: d.action,
      rule: d.rule.slice(0, 80),
      pipeline: d.pipeline ?? null,
      destination: d.destination ?? null,
      decidedAt: new Date(),
    };
    await this.deps.db.prisma.routingDecision.upsert({
      where: { instanceId },
      create: { instanceId, ...data },
      update: data,
    });
  }
}
