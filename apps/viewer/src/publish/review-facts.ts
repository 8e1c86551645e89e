import type { Database } from '@ropline/db';
import type { ReviewFacts } from './result-objects.js';

/**
 * The latest confirmed labels of a study (append-only table: the newest row per target wins) folded
 * into the facts of a report revision. Null when nobody reviewed the study since `after`.
 */
export async function latestReview(
  db: Database,
  studyInstanceUid: string,
  revision: number,
  actor: string,
): Promise<ReviewFacts | null> {
  const labels = await db.prisma.confirmedLabel.findMany({
    where: { studyInstanceUid },
    orderBy: { id: 'asc' },
  });
  if (!labels.length) return null;
  const eyeStages = new Map<string, string>();
  const lines = new Map<string, number[][][]>();
  const ungradable = new Set<string>();
  for (const l of labels) {
    const k = `${l.instanceId}:${l.frame}`;
    if (l.kind === 'stage' && l.scope === 'eye' && l.stage) eyeStages.set(l.laterality, l.stage);
    else if (l.kind === 'line' && l.instanceId && Array.isArray(l.line)) lines.set(k, l.line as number[][][]);
    else if (l.kind === 'ungradable' && l.instanceId) {
      if (l.ungradable) ungradable.add(k);
      else ungradable.delete(k);
    }
  }
  return { revision, actor, at: labels[labels.length - 1].at, eyeStages, lines, ungradable };
}
