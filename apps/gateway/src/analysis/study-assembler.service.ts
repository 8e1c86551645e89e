import type { PluginContext } from '@ropline/core';
import type { Database } from '@ropline/db';
import type { IngestSource, OnStored, RoutingRow, StoreOutcome } from '../ingest/ingest.service.js';
import type { InstanceFacts } from '../ingest/instance.validator.js';
import type { JobQueue } from '../queue/job-queue.port.js';
import type { RoutingConfig } from '../routing/routing.config.js';
import { routeInstance, type RouteDecision, type RoutingFacts } from '../routing/routing.rules.js';
import { scheduleAnalysis, type AnalyzeStudyJob } from './analysis.queues.js';
import type { PipelineResolver } from './pipeline.resolver.js';

/**
 * Routing decision for the instance with SOP Instance UID $1 (insert, or update the earlier one;
 * with $7 true an existing decision is kept and no row comes back).
 */
const RECORD_DECISION = `
WITH rd AS (
  INSERT INTO routing_decisions (instance_id, action, rule, pipeline, destination, decided_at)
  SELECT i.id, $2::"RouteAction", $3, $4, $5, $6::timestamptz FROM instances i WHERE i.sop_instance_uid = $1
  ON CONFLICT (instance_id) DO UPDATE SET action = EXCLUDED.action, rule = EXCLUDED.rule,
    pipeline = EXCLUDED.pipeline, destination = EXCLUDED.destination, decided_at = EXCLUDED.decided_at
    WHERE NOT $7::boolean
  RETURNING instance_id
), fw AS (
  -- 'forward': the instance's current bytes go to the outbox (a keep-newest replacement is new content).
  INSERT INTO outbox (destination, kind, sop_instance_uid, sop_class_uid, transfer_syntax_uid,
    study_instance_uid, blob_sha256, byte_size, instance_id)
  SELECT $5, 'forward', i.sop_instance_uid, i.sop_class_uid, i.transfer_syntax_uid, st.study_instance_uid,
    i.blob_sha256, i.byte_size, i.id
  FROM rd JOIN instances i ON i.id = rd.instance_id JOIN series se ON se.id = i.series_id
    JOIN studies st ON st.id = se.study_id
  WHERE $2::"RouteAction" = 'forward' AND $5 IS NOT NULL
  ON CONFLICT (destination, sop_instance_uid, blob_sha256) DO NOTHING
)
SELECT instance_id FROM rd`;

/**
 * (study, pipeline) pairs with an instance routed to analysis that no analysis has looked at (no
 * prediction row of that pipeline), unless the pair's newest analysis is still running or retrying
 * (it, or the follow-up its trigger queued, will see the instance) or failed for good (quarantined:
 * an operator's call, never retried by itself). Oldest first, at most $1.
 */
const UNANALYSED_STUDIES = `
WITH uncovered AS (
  SELECT se.study_id, COALESCE(d.pipeline, 'default') AS pipeline, min(d.decided_at) AS since
  FROM routing_decisions d
  JOIN instances i ON i.id = d.instance_id
  JOIN series se ON se.id = i.series_id
  WHERE d.action = 'analyze'
    AND NOT EXISTS (
      SELECT 1 FROM predictions p JOIN analyses a ON a.id = p.analysis_id
      WHERE p.instance_id = i.id AND a.pipeline_key = COALESCE(d.pipeline, 'default'))
  GROUP BY se.study_id, COALESCE(d.pipeline, 'default')
)
SELECT st.study_instance_uid AS "studyInstanceUid", u.pipeline
FROM uncovered u JOIN studies st ON st.id = u.study_id
WHERE COALESCE((
  SELECT a.status::text FROM analyses a WHERE a.study_id = u.study_id AND a.pipeline_key = u.pipeline
  ORDER BY a.created_at DESC LIMIT 1), 'none') NOT IN ('running', 'retrying', 'failed')
ORDER BY u.since
LIMIT $1`;

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

  /**
   * IngestService's onStored hook. Its `route` lets IngestService write a new instance's decision
   * in the instance's own statement; re-sends and replacements are routed here.
   */
  readonly onStored: OnStored = Object.assign(
    async (
      instance: { facts: InstanceFacts; from: IngestSource; routed?: RoutingRow },
      outcome: StoreOutcome,
    ): Promise<void> => {
      const { facts, from } = instance;
      const decision: RouteDecision | RoutingRow =
        instance.routed ?? routeInstance(this.deps.routing, routingFactsOf(facts, from));
      // Not yet recorded: one statement, no row when the instance is unknown or (same bytes again)
      // already routed, unless a crash came between store and routing.
      if (
        !instance.routed &&
        !(await this.record(facts.sopInstanceUid, decision, outcome === 'already-stored'))
      ) {
        return;
      }
      await this.routed(facts, decision);
    },
    { route: (facts: InstanceFacts, from: IngestSource): RoutingRow => this.decide(facts, from) },
  );

  private decide(facts: InstanceFacts, from: IngestSource): RoutingRow {
    const d = routeInstance(this.deps.routing, routingFactsOf(facts, from));
    return {
      action: d.action,
      rule: d.rule,
      pipeline: d.pipeline ?? null,
      destination: d.destination ?? null,
    };
  }

  private async routed(facts: InstanceFacts, d: RouteDecision | RoutingRow): Promise<void> {
    this.deps.ctx.log('info', 'instance routed', {
      sopInstanceUid: facts.sopInstanceUid,
      action: d.action,
      rule: d.rule,
    });
    if (d.action === 'analyze') {
      await this.trigger({
        studyInstanceUid: facts.studyInstanceUid,
        pipeline: d.pipeline ?? 'default',
      });
    }
  }

  /** Schedules analysis after the quiet period; null when a job for this key is already queued. */
  async trigger(job: AnalyzeStudyJob, delayMs = this.deps.quietPeriodMs): Promise<string | null> {
    const id = await scheduleAnalysis(this.deps.queue, this.deps.resolver, job, delayMs);
    this.deps.ctx.log('debug', id ? 'analysis scheduled' : 'analysis already scheduled', {
      studyInstanceUid: job.studyInstanceUid,
      pipeline: job.pipeline,
    });
    return id;
  }

  /**
   * Schedules analysis for every study that routing sent to a pipeline but no analysis covered:
   * the trigger was lost (the process died between an instance's commit and its job, or the queue
   * refused the job). Runs at start-up and every `catchUpIntervalMs` (analysis.runtime.ts). A
   * study whose job is already queued collapses into it (singleton key); the job itself waits out
   * the quiet period. Returns the studies looked at and the jobs actually queued.
   */
  async catchUp(limit = 500): Promise<{ studies: number; scheduled: number }> {
    const { rows } = await this.deps.db
      .sql()
      .query<{ studyInstanceUid: string; pipeline: string }>(UNANALYSED_STUDIES, [limit]);
    let scheduled = 0;
    for (const job of rows) {
      try {
        if (await this.trigger(job, 0)) scheduled += 1;
      } catch (e) {
        // e.g. a pipeline key no longer configured: the others still go.
        this.deps.ctx.log('warn', 'analysis catch-up could not schedule a study', {
          studyInstanceUid: job.studyInstanceUid,
          pipeline: job.pipeline,
          code: (e as { code?: string }).code ?? 'INTERNAL',
        });
      }
    }
    if (scheduled > 0) {
      this.deps.ctx.log('warn', 'analysis catch-up scheduled studies whose trigger was lost', {
        studies: rows.length,
        scheduled,
      });
    }
    return { studies: rows.length, scheduled };
  }

  /** Upserts the instance's routing_decisions row; false when nothing was written. */
  private async record(
    sopInstanceUid: string,
    d: RouteDecision | RoutingRow,
    keepExisting: boolean,
  ): Promise<boolean> {
    const { rows } = await this.deps.db
      .sql()
      .query(RECORD_DECISION, [
        sopInstanceUid,
        d.action,
        d.rule.slice(0, 80),
        d.pipeline ?? null,
        d.destination ?? null,
        new Date().toISOString(),
        keepExisting,
      ]);
    return rows.length > 0;
  }
}
