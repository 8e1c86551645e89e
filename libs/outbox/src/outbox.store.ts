import type { Database } from '@ropline/db';
import type { DeliveryConfig } from './destination.schema.js';

export type OutboxKind = 'result' | 'forward';
export type OutboxStatus = 'pending' | 'sending' | 'sent' | 'dead';

/** What to deliver where: one DICOM object (a blob) to one destination. */
export interface OutboxEntry {
  destination: string;
  kind: OutboxKind;
  sopInstanceUid: string;
  sopClassUid: string;
  transferSyntaxUid: string;
  studyInstanceUid: string;
  blobSha256: string;
  byteSize: number;
  resultObjectId?: string | null;
  instanceId?: string | null;
}

export interface OutboxItem extends Required<OutboxEntry> {
  id: bigint;
  status: OutboxStatus;
  attempts: number;
  nextAttemptAt: Date;
  lastStatus: string | null;
  lastError: string | null;
  createdAt: Date;
  sentAt: Date | null;
}

/** The answer for one item of a delivery attempt. */
export type DeliveryOutcome =
  | { ok: true; status: string }
  /** `permanent`: retrying cannot help (refused SOP class, malformed object): dead-letter at once. */
  | { ok: false; status: string; error: string; permanent: boolean };

export interface OutboxCounts {
  pending: number;
  sending: number;
  sent: number;
  dead: number;
}

type Row = {
  id: bigint;
  destination: string;
  kind: OutboxKind;
  sop_instance_uid: string;
  sop_class_uid: string;
  transfer_syntax_uid: string;
  study_instance_uid: string;
  blob_sha256: string;
  byte_size: bigint;
  result_object_id: string | null;
  instance_id: string | null;
  status: OutboxStatus;
  attempts: number;
  next_attempt_at: Date;
  last_status: string | null;
  last_error: string | null;
  created_at: Date;
  sent_at: Date | null;
};

const toItem = (r: Row): OutboxItem => ({
  id: r.id,
  destination: r.destination,
  kind: r.kind,
  sopInstanceUid: r.sop_instance_uid,
  sopClassUid: r.sop_class_uid,
  transferSyntaxUid: r.transfer_syntax_uid,
  studyInstanceUid: r.study_instance_uid,
  blobSha256: r.blob_sha256,
  byteSize: Number(r.byte_size),
  resultObjectId: r.result_object_id,
  instanceId: r.instance_id,
  status: r.status,
  attempts: r.attempts,
  nextAttemptAt: r.next_attempt_at,
  lastStatus: r.last_status,
  lastError: r.last_error,
  createdAt: r.created_at,
  sentAt: r.sent_at,
});

/** Backoff before attempt `attempts + 1`: base * 2^(attempts-1), capped. */
export const backoffMs = (attempts: number, p: Pick<DeliveryConfig, 'backoffBaseMs' | 'backoffMaxMs'>) =>
  Math.min(p.backoffMaxMs, p.backoffBaseMs * 2 ** Math.max(0, attempts - 1));

/** A Prisma client or an interactive transaction of it. */
type Sql = Pick<Database['prisma'], '$queryRawUnsafe' | '$executeRawUnsafe' | 'outboxItem'>;

/**
 * The outbox table (transactional outbox pattern). Rows are unique per destination, SOP Instance UID
 * and content, so enqueueing the same object twice is a no-op; delivery is at-least-once per row and
 * the receiver deduplicates by SOP Instance UID (deterministic UIDs make every retry the same object).
 */
export class OutboxStore {
  constructor(private readonly db: Database) {}

  /** Inserts what is not there yet (in `tx` when given); returns how many rows were new. */
  async enqueue(entries: OutboxEntry[], tx: Sql = this.db.prisma): Promise<number> {
    if (!entries.length) return 0;
    const r = await tx.outboxItem.createMany({
      data: entries.map((e) => ({
        destination: e.destination,
        kind: e.kind,
        sopInstanceUid: e.sopInstanceUid,
        sopClassUid: e.sopClassUid,
        transferSyntaxUid: e.transferSyntaxUid,
        studyInstanceUid: e.studyInstanceUid,
        blobSha256: e.blobSha256,
        byteSize: BigInt(e.byteSize),
        resultObjectId: e.resultObjectId ?? null,
        instanceId: e.instanceId ?? null,
      })),
      skipDuplicates: true,
    });
    return r.count;
  }

  /**
   * Claims up to `limit` due items (pending and due, or sending with an expired lease: their sender
   * died) for `leaseMs`, counting the attempt. Concurrent runners never claim the same row.
   */
  async claim(limit: number, leaseMs: number): Promise<OutboxItem[]> {
    const rows = await this.db.prisma.$queryRawUnsafe<Row[]>(
      `UPDATE outbox SET status = 'sending', attempts = attempts + 1,
              lease_until = now() + ($2::int * interval '1 millisecond')
        WHERE id IN (SELECT id FROM outbox
                      WHERE (status = 'pending' AND next_attempt_at <= now())
                         OR (status = 'sending' AND lease_until < now())
                      ORDER BY next_attempt_at, id
                      LIMIT $1 FOR UPDATE SKIP LOCKED)
        RETURNING *`,
      limit,
      leaseMs,
    );
    return rows.map(toItem).sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  /** Records one attempt's outcome: sent, retry later (backoff), or dead (permanent or out of attempts). */
  async settle(item: OutboxItem, outcome: DeliveryOutcome, policy: DeliveryConfig): Promise<OutboxStatus> {
    if (outcome.ok) {
      await this.db.prisma.$executeRawUnsafe(
        `UPDATE outbox SET status = 'sent', sent_at = now(), lease_until = NULL, last_status = $2, last_error = NULL
          WHERE id = $1 AND status = 'sending'`,
        item.id,
        outcome.status.slice(0, 64),
      );
      return 'sent';
    }
    const dead = outcome.permanent || item.attempts >= policy.maxAttempts;
    await this.db.prisma.$executeRawUnsafe(
      `UPDATE outbox SET status = $2::"OutboxStatus", lease_until = NULL, last_status = $3, last_error = $4,
              next_attempt_at = now() + ($5::int * interval '1 millisecond')
        WHERE id = $1 AND status = 'sending'`,
      item.id,
      dead ? 'dead' : 'pending',
      outcome.status.slice(0, 64),
      outcome.error.slice(0, 2000),
      dead ? 0 : backoffMs(item.attempts, policy),
    );
    return dead ? 'dead' : 'pending';
  }

  /** Dead (or, with `ids`, any unsent) items back to pending, due now, attempts reset. Returns the count. */
  async retry(
    filter: { ids?: bigint[]; destination?: string; studyInstanceUid?: string } = {},
  ): Promise<number> {
    const where: string[] = [filter.ids ? `status IN ('dead', 'pending')` : `status = 'dead'`];
    const args: unknown[] = [];
    if (filter.ids) where.push(`id = ANY($${args.push(filter.ids)}::bigint[])`);
    if (filter.destination) where.push(`destination = $${args.push(filter.destination)}`);
    if (filter.studyInstanceUid) where.push(`study_instance_uid = $${args.push(filter.studyInstanceUid)}`);
    return this.db.prisma.$executeRawUnsafe(
      `UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = now(), lease_until = NULL
        WHERE ${where.join(' AND ')}`,
      ...args,
    );
  }

  async list(
    filter: { status?: OutboxStatus; destination?: string; studyInstanceUid?: string; limit?: number } = {},
  ): Promise<OutboxItem[]> {
    const where: string[] = ['true'];
    const args: unknown[] = [];
    if (filter.status) where.push(`status = $${args.push(filter.status)}::"OutboxStatus"`);
    if (filter.destination) where.push(`destination = $${args.push(filter.destination)}`);
    if (filter.studyInstanceUid) where.push(`study_instance_uid = $${args.push(filter.studyInstanceUid)}`);
    const rows = await this.db.prisma.$queryRawUnsafe<Row[]>(
      `SELECT * FROM outbox WHERE ${where.join(' AND ')} ORDER BY id LIMIT $${args.push(filter.limit ?? 1000)}`,
      ...args,
    );
    return rows.map(toItem);
  }

  /** Item counts by status per study. */
  async countsByStudy(studyInstanceUids: string[]): Promise<Map<string, OutboxCounts>> {
    const out = new Map<string, OutboxCounts>();
    if (!studyInstanceUids.length) return out;
    const rows = await this.db.prisma.$queryRawUnsafe<{ study: string; status: OutboxStatus; n: bigint }[]>(
      `SELECT study_instance_uid AS study, status, count(*) AS n FROM outbox
        WHERE study_instance_uid = ANY($1::text[]) GROUP BY 1, 2`,
      studyInstanceUids,
    );
    for (const r of rows) {
      const c = out.get(r.study) ?? { pending: 0, sending: 0, sent: 0, dead: 0 };
      c[r.status] = Number(r.n);
      out.set(r.study, c);
    }
    return out;
  }

  /** Items due now or later that are not settled (pending + sending). */
  async backlog(): Promise<number> {
    const [r] = await this.db.prisma.$queryRawUnsafe<{ n: bigint }[]>(
      `SELECT count(*) AS n FROM outbox WHERE status IN ('pending', 'sending')`,
    );
    return Number(r.n);
  }
}
