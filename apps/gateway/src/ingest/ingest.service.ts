import { randomUUID } from 'node:crypto';
import { RopError, type PluginContext } from '@ropline/core';
import type { Database } from '@ropline/db';
import type { BlobRef, BlobStore, StagedBlob } from '../blob/blob-store.port.js';
import type { InstanceFacts } from './instance.validator.js';

export type DuplicatePolicy = 'reject' | 'keep-newest';
export type StoreOutcome = 'stored' | 'already-stored' | 'replaced';

/** A routing_decisions row, written in the same statement as a new instance's rows. */
export interface RoutingRow {
  action: 'analyze' | 'ignore' | 'forward';
  rule: string;
  pipeline: string | null;
  destination: string | null;
}

/**
 * Called after an instance is durable (blob + rows committed), before the caller acknowledges.
 * `routed` is set when `route` (below) decided and its row was committed with the instance.
 */
export type OnStored = ((
  instance: { facts: InstanceFacts; from: IngestSource; routed?: RoutingRow },
  outcome: StoreOutcome,
) => Promise<void>) & {
  /** Optional pure decision for a new instance, recorded in the instance's own statement. */
  route?: (facts: InstanceFacts, from: IngestSource) => RoutingRow;
};

/** One store attempt, for metrics (src/ops/metrics.ts). */
export interface StoreObservation {
  channel: 'stow' | 'dimse';
  outcome: StoreOutcome | 'failed';
  bytes: number;
  seconds: number;
}

/** Optional metrics sink (GatewayMetrics); absent, nothing is measured. */
export interface IngestMetrics {
  observeStore(o: StoreObservation): void;
}

export interface IngestSource {
  source: 'stow' | 'dimse';
  /** Calling AE title (DIMSE) or remote address (STOW-RS). */
  remote?: string;
}

const clip = (v: string | undefined, n: number) => (v === undefined ? null : v.slice(0, n));

const SELECT_INSTANCE = 'SELECT id::text AS id, blob_sha256 FROM instances WHERE sop_instance_uid = $1';

/**
 * One statement (one round trip, one commit): upsert the study (bump last_received_at), upsert the
 * series (unchanged when it exists), insert the instance and, when $22 is set, its routing
 * decision. ON CONFLICT keeps concurrent senders of one study race-free. Returns no row (and
 * writes no decision) when the SOP Instance UID already exists.
 */
const INSERT_INSTANCE = `
WITH st AS (
  INSERT INTO studies (id, study_instance_uid, last_received_at)
  VALUES ($1::uuid, $2, $3::timestamptz)
  ON CONFLICT (study_instance_uid) DO UPDATE SET last_received_at = EXCLUDED.last_received_at
  RETURNING id
), se AS (
  INSERT INTO series (id, series_instance_uid, study_id, modality)
  SELECT $4::uuid, $5, st.id, $6 FROM st
  ON CONFLICT (series_instance_uid) DO UPDATE SET series_instance_uid = EXCLUDED.series_instance_uid
  RETURNING id
), ins AS (
  INSERT INTO instances (id, sop_instance_uid, series_id, sop_class_uid, transfer_syntax_uid,
    modality, manufacturer, manufacturer_model, laterality, instance_number, rows, columns, frames,
    blob_sha256, byte_size, received_at, source, remote)
  SELECT $7::uuid, $8, se.id, $9, $10, $6, $11, $12, $13, $14::int, $15::int, $16::int, $17::int,
    $18, $19::bigint, $3::timestamptz, $20::"IngestSource", $21
  FROM se
  ON CONFLICT (sop_instance_uid) DO NOTHING
  RETURNING id
), rd AS (
  INSERT INTO routing_decisions (instance_id, action, rule, pipeline, destination, decided_at)
  SELECT ins.id, $22::"RouteAction", $23, $24, $25, $3::timestamptz FROM ins
  WHERE $22::"RouteAction" IS NOT NULL
), fw AS (
  -- A 'forward' route queues the instance, as received, in the outbox (libs/outbox) with its row.
  INSERT INTO outbox (destination, kind, sop_instance_uid, sop_class_uid, transfer_syntax_uid,
    study_instance_uid, blob_sha256, byte_size, instance_id)
  SELECT $25, 'forward', $8, $9, $10, $2, $18, $19::bigint, ins.id FROM ins
  WHERE $22::"RouteAction" = 'forward' AND $25 IS NOT NULL
  ON CONFLICT (destination, sop_instance_uid, blob_sha256) DO NOTHING
)
SELECT id::text AS id FROM ins`;

/**
 * Makes a validated instance durable: blob commit (file + directory fsync) first, then the DB rows
 * in one autocommitted statement (INSERT_INSTANCE). Returns only after both; the caller
 * acknowledges after that.
 */
export class IngestService {
  constructor(
    private readonly db: Database,
    private readonly blobs: BlobStore,
    private readonly policy: DuplicatePolicy,
    private readonly ctx: PluginContext,
    private readonly onStored?: OnStored,
    private readonly metrics?: IngestMetrics,
  ) {}

  async store(staged: StagedBlob, facts: InstanceFacts, from: IngestSource): Promise<StoreOutcome> {
    const t0 = performance.now();
    const observe = (outcome: StoreObservation['outcome']) =>
      this.metrics?.observeStore({
        channel: from.source,
        outcome,
        bytes: staged.size,
        seconds: (performance.now() - t0) / 1000,
      });
    let outcome: StoreOutcome;
    const routed = { row: undefined as RoutingRow | undefined };
    try {
      outcome = await this.storeDurably(staged, facts, from, routed);
    } catch (e) {
      observe('failed');
      throw e;
    }
    observe(outcome);
    // The instance is durable whatever the hook does: a hook failure is logged, never a failed store.
    await this.onStored?.({ facts, from, routed: routed.row }, outcome).catch((e: unknown) =>
      this.ctx.log('error', 'post-store hook failed', {
        sopInstanceUid: facts.sopInstanceUid,
        code: (e as { code?: string }).code ?? 'INTERNAL',
      }),
    );
    return outcome;
  }

  private async storeDurably(
    staged: StagedBlob,
    facts: InstanceFacts,
    from: IngestSource,
    routed: { row?: RoutingRow },
  ): Promise<StoreOutcome> {
    const ref = await staged.finish();
    const meta = { sopClassUid: facts.sopClassUid, sopInstanceUid: facts.sopInstanceUid };
    const existing = await this.lookup(facts.sopInstanceUid);
    if (existing && existing.blobSha256 === ref.sha256 && (await this.blobs.has(ref.sha256))) {
      await staged.discard();
      this.ctx.log('info', 'instance already stored', { ...meta, bytes: ref.size });
      return 'already-stored';
    }
    if (existing && existing.blobSha256 !== ref.sha256 && this.policy === 'reject') {
      await staged.discard();
      throw new RopError(
        'INGEST.DUPLICATE_SOP_INSTANCE',
        'An instance with this SOP Instance UID and different content is already stored',
        meta,
      );
    }
    // Durable blob first (file + directory fsynced), then the rows: never a row without its bytes.
    await staged.commit();
    if (existing) {
      await this.replace(existing.id, facts, ref, from);
      this.ctx.log('info', 'instance replaced (keep-newest)', { ...meta, bytes: ref.size });
      return 'replaced';
    }
    const route = this.onStored?.route?.(facts, from);
    if (await this.insert(facts, ref, from, route)) {
      routed.row = route;
    } else {
      // A concurrent sender stored the same UID between our lookup and insert.
      const again = await this.lookup(facts.sopInstanceUid);
      if (!again) {
        // The conflicting row is gone again (deleted meanwhile): insert once more.
        if (await this.insert(facts, ref, from, route)) {
          routed.row = route;
          return 'stored';
        }
        throw new RopError('INGEST.CONFLICT', 'Concurrent store of the same instance', meta);
      }
      if (again.blobSha256 === ref.sha256) return 'already-stored';
      if (this.policy === 'keep-newest') {
        await this.replace(again.id, facts, ref, from);
        return 'replaced';
      }
      throw new RopError('INGEST.DUPLICATE_SOP_INSTANCE', 'Concurrent store with different content', meta);
    }
    this.ctx.log('info', 'instance stored', { ...meta, bytes: ref.size, sha256: ref.sha256 });
    return 'stored';
  }

  /** The stored row for a SOP Instance UID (one indexed read, no ORM query compilation). */
  private async lookup(sopInstanceUid: string): Promise<{ id: string; blobSha256: string } | null> {
    const { rows } = await this.db.sql().query<{ id: string; blob_sha256: string }>({
      name: 'ingest_select_instance',
      text: SELECT_INSTANCE,
      values: [sopInstanceUid],
    });
    return rows.length ? { id: rows[0].id, blobSha256: rows[0].blob_sha256 } : null;
  }

  private columns(facts: InstanceFacts, ref: BlobRef, from: IngestSource) {
    const i = facts.info;
    return {
      sopClassUid: facts.sopClassUid,
      transferSyntaxUid: i.transferSyntaxUid,
      modality: clip(i.modality, 16),
      manufacturer: clip(i.manufacturer, 64),
      manufacturerModel: clip(i.model, 64),
      laterality: clip(i.laterality, 2),
      instanceNumber: facts.instanceNumber ?? null,
      rows: i.rows ?? null,
      columns: i.columns ?? null,
      frames: i.frames,
      blobSha256: ref.sha256,
      byteSize: BigInt(ref.size),
      receivedAt: new Date(),
      source: from.source,
      remote: clip(from.remote, 128),
    };
  }

  /**
   * Study upsert + series upsert + instance insert as ONE statement (one round trip, one commit,
   * atomic on its own). False when the SOP Instance UID is already there (concurrent store).
   */
  private async insert(
    facts: InstanceFacts,
    ref: BlobRef,
    from: IngestSource,
    route: RoutingRow | undefined,
  ): Promise<boolean> {
    const c = this.columns(facts, ref, from);
    const { rows } = await this.db.sql().query<{ id: string }>({
      // Named: each pooled connection parses and plans the statement once, not per instance.
      name: 'ingest_insert_instance',
      text: INSERT_INSTANCE,
      values: [
        randomUUID(),
        facts.studyInstanceUid,
        c.receivedAt.toISOString(),
        randomUUID(),
        facts.seriesInstanceUid,
        c.modality,
        randomUUID(),
        facts.sopInstanceUid,
        c.sopClassUid,
        c.transferSyntaxUid,
        c.manufacturer,
        c.manufacturerModel,
        c.laterality,
        c.instanceNumber,
        c.rows,
        c.columns,
        c.frames,
        c.blobSha256,
        String(ref.size),
        c.source,
        c.remote,
        route?.action ?? null,
        route ? route.rule.slice(0, 80) : null,
        route?.pipeline ?? null,
        route?.destination ?? null,
      ],
    });
    return rows.length === 1;
  }

  private async replace(id: string, facts: InstanceFacts, ref: BlobRef, from: IngestSource): Promise<void> {
    await this.db.prisma.$transaction(async (tx) => {
      const old = await tx.instance.findUniqueOrThrow({ where: { id } });
      await tx.instanceHistory.create({
        data: {
          instanceId: old.id,
          sopInstanceUid: old.sopInstanceUid,
          transferSyntaxUid: old.transferSyntaxUid,
          blobSha256: old.blobSha256,
          byteSize: old.byteSize,
          receivedAt: old.receivedAt,
          source: old.source,
          remote: old.remote,
        },
      });
      await tx.instance.update({ where: { id }, data: this.columns(facts, ref, from) });
      const series = await tx.series.findUniqueOrThrow({ where: { id: old.seriesId } });
      await tx.study.update({ where: { id: series.studyId }, data: { lastReceivedAt: new Date() } });
    });
  }
}
