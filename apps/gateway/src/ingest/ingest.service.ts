import { RopError, type PluginContext } from '@ropline/core';
import type { Database } from '@ropline/db';
import type { BlobRef, BlobStore, StagedBlob } from '../blob/blob-store.port.js';
import type { InstanceFacts } from './instance.validator.js';

export type DuplicatePolicy = 'reject' | 'keep-newest';
export type StoreOutcome = 'stored' | 'already-stored' | 'replaced';

/** Called after an instance is durable (blob + rows committed), before the caller acknowledges. */
export type OnStored = (
  instance: { facts: InstanceFacts; from: IngestSource },
  outcome: StoreOutcome,
) => Promise<void>;

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

/**
 * Makes a validated instance durable: blob commit (fsync) first, then the DB rows in one
 * transaction. Returns only after both; the caller acknowledges after that.
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
    try {
      outcome = await this.storeDurably(staged, facts, from);
    } catch (e) {
      observe('failed');
      throw e;
    }
    observe(outcome);
    // The instance is durable whatever the hook does: a hook failure is logged, never a failed store.
    await this.onStored?.({ facts, from }, outcome).catch((e: unknown) =>
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
  ): Promise<StoreOutcome> {
    const ref = await staged.finish();
    const meta = { sopClassUid: facts.sopClassUid, sopInstanceUid: facts.sopInstanceUid };
    const existing = await this.db.prisma.instance.findUnique({
      where: { sopInstanceUid: facts.sopInstanceUid },
    });
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
    await staged.commit();
    if (existing) {
      await this.replace(existing.id, facts, ref, from);
      this.ctx.log('info', 'instance replaced (keep-newest)', { ...meta, bytes: ref.size });
      return 'replaced';
    }
    try {
      await this.insert(facts, ref, from);
    } catch (e) {
      // A concurrent sender stored the same UID between our lookup and insert.
      if ((e as { code?: string }).code === 'P2002') {
        const again = await this.db.prisma.instance.findUnique({
          where: { sopInstanceUid: facts.sopInstanceUid },
        });
        // Or the study/series upsert lost a race with a sibling instance: insert once more.
        if (!again) await this.insert(facts, ref, from);
        else if (again.blobSha256 === ref.sha256) return 'already-stored';
        else if (this.policy === 'keep-newest') {
          await this.replace(again.id, facts, ref, from);
          return 'replaced';
        } else {
          throw new RopError(
            'INGEST.DUPLICATE_SOP_INSTANCE',
            'Concurrent store with different content',
            meta,
          );
        }
      } else {
        throw e;
      }
    }
    this.ctx.log('info', 'instance stored', { ...meta, bytes: ref.size, sha256: ref.sha256 });
    return 'stored';
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

  private async insert(facts: InstanceFacts, ref: BlobRef, from: IngestSource): Promise<void> {
    await this.db.prisma.$transaction(async (tx) => {
      const now = new Date();
      const study = await tx.study.upsert({
        where: { studyInstanceUid: facts.studyInstanceUid },
        create: { studyInstanceUid: facts.studyInstanceUid, lastReceivedAt: now },
        update: { lastReceivedAt: now },
      });
      const series = await tx.series.upsert({
        where: { seriesInstanceUid: facts.seriesInstanceUid },
        create: {
          seriesInstanceUid: facts.seriesInstanceUid,
          studyId: study.id,
          modality: clip(facts.info.modality, 16),
        },
        update: {},
      });
      await tx.instance.create({
        data: {
          sopInstanceUid: facts.sopInstanceUid,
          seriesId: series.id,
          ...this.columns(facts, ref, from),
        },
      });
    });
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
