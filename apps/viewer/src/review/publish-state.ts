import type { Database } from '@ropline/db';

export interface PublishCounts {
  total: number;
  pending: number;
  sending: number;
  sent: number;
  dead: number;
}

const empty = (): PublishCounts => ({ total: 0, pending: 0, sending: 0, sent: 0, dead: 0 });

/** Outbox items of each analysis' result objects (SC overlays, SRs), counted by status. */
export async function publishCounts(
  db: Database,
  analysisIds: string[],
): Promise<Map<string, PublishCounts>> {
  const out = new Map<string, PublishCounts>();
  if (analysisIds.length === 0) return out;
  const objects = await db.prisma.resultObject.findMany({
    where: { analysisId: { in: analysisIds } },
    select: { id: true, analysisId: true },
  });
  const analysisOf = new Map(objects.map((o) => [o.id, o.analysisId]));
  if (objects.length === 0) return out;
  const groups = await db.prisma.outboxItem.groupBy({
    by: ['resultObjectId', 'status'],
    where: { resultObjectId: { in: objects.map((o) => o.id) } },
    _count: { _all: true },
  });
  for (const g of groups) {
    const analysisId = analysisOf.get(g.resultObjectId ?? '');
    if (!analysisId) continue;
    const c = out.get(analysisId) ?? empty();
    c[g.status] += g._count._all;
    c.total += g._count._all;
    out.set(analysisId, c);
  }
  return out;
}

export interface PublishItem {
  destination: string;
  kind: string;
  sopInstanceUid: string;
  status: string;
  attempts: number;
  lastStatus: string | null;
  sentAt: string | null;
}

/** The publish state of a study's current analysis: counts and the items grouped by status. */
export async function publishState(
  db: Database,
  analysisId: string | null,
): Promise<{ counts: PublishCounts; byStatus: Record<string, PublishItem[]> }> {
  if (!analysisId) return { counts: empty(), byStatus: {} };
  const objects = await db.prisma.resultObject.findMany({ where: { analysisId }, select: { id: true } });
  const items = objects.length
    ? await db.prisma.outboxItem.findMany({
        where: { resultObjectId: { in: objects.map((o) => o.id) } },
        orderBy: { id: 'asc' },
      })
    : [];
  const byStatus: Record<string, PublishItem[]> = {};
  const counts = empty();
  for (const i of items) {
    (byStatus[i.status] ??= []).push({
      destination: i.destination,
      kind: i.kind,
      sopInstanceUid: i.sopInstanceUid,
      status: i.status,
      attempts: i.attempts,
      lastStatus: i.lastStatus,
      sentAt: i.sentAt?.toISOString() ?? null,
    });
    counts[i.status] += 1;
    counts.total += 1;
  }
  return { counts, byStatus };
}
