import type { Database } from '@ropline/db';
import { studyStatusOf } from '@ropline/gateway';
import { ATTENTION_STAGE, classesOf, rankOf } from './stage-order.js';
import { publishCounts, type PublishCounts } from './publish-state.js';

export type ReviewStatus = 'received' | 'analysing' | 'analysed' | 'published' | 'failed';
export const REVIEW_STATUSES: readonly ReviewStatus[] = [
  'received',
  'analysing',
  'analysed',
  'published',
  'failed',
];

export interface WorklistEye {
  laterality: string;
  stage: string;
  confidence: number | null;
  /** A confirmed eye-level stage label exists for this eye. */
  reviewed: boolean;
}

export interface WorklistRow {
  /** Internal Study.id (the only id in the SPA's URLs). */
  id: string;
  studyInstanceUid: string;
  status: ReviewStatus;
  receivedAt: string;
  lastReceivedAt: string;
  imageCount: number;
  eyes: WorklistEye[];
  /** Rank of the most severe eye stage among the classifier's classes (-1: none). */
  maxStageRank: number;
  classes: string[];
  publish: PublishCounts;
}

export interface WorklistQuery {
  status?: ReviewStatus;
  minStage?: string;
  limit: number;
  offset: number;
}

/**
 * Needs-attention first (most severe eye at or above stage 2, most severe first), then newest.
 * Both sort keys come from the current analysis; ties keep the newest first.
 */
export function compareWorklist(a: WorklistRow, b: WorklistRow): number {
  const att = (r: WorklistRow) => {
    const min = r.classes.indexOf(ATTENTION_STAGE);
    return min >= 0 && r.maxStageRank >= min ? r.maxStageRank : -1;
  };
  return att(b) - att(a) || b.lastReceivedAt.localeCompare(a.lastReceivedAt);
}

/** The clinicians' worklist (PHI-free: ids, UIDs, dates, stages, counts). */
export class WorklistService {
  constructor(private readonly db: Database) {}

  async list(q: WorklistQuery): Promise<WorklistRow[]> {
    const { prisma } = this.db;
    const studies = await prisma.study.findMany({
      orderBy: { lastReceivedAt: 'desc' },
      select: {
        id: true,
        studyInstanceUid: true,
        createdAt: true,
        lastReceivedAt: true,
        series: { select: { _count: { select: { instances: true } } } },
        analyses: {
          orderBy: { createdAt: 'desc' },
          select: {
            id: true,
            status: true,
            createdAt: true,
            eyes: {
              select: { laterality: true, stage: true, confidence: true },
              orderBy: { laterality: 'asc' },
            },
            predictions: { select: { probabilities: true }, where: { status: 'ok' }, take: 1 },
          },
        },
      },
    });
    const uids = studies.map((s) => s.studyInstanceUid);
    const [reviewed, publish] = await Promise.all([
      prisma.confirmedLabel.findMany({
        where: { studyInstanceUid: { in: uids }, scope: 'eye', kind: 'stage' },
        distinct: ['studyInstanceUid', 'laterality'],
        select: { studyInstanceUid: true, laterality: true },
      }),
      publishCounts(
        this.db,
        studies.flatMap((s) => s.analyses.filter((a) => a.status === 'done').slice(0, 1)).map((a) => a.id),
      ),
    ]);
    const reviewedSet = new Set(reviewed.map((r) => `${r.studyInstanceUid}|${r.laterality}`));
    const rows: WorklistRow[] = [];
    for (const s of studies) {
      const current = s.analyses.find((a) => a.status === 'done');
      const classes = classesOf(current?.predictions[0]?.probabilities);
      const counts = current ? publish.get(current.id) : undefined;
      const base = studyStatusOf(s.analyses);
      const published = base === 'analysed' && !!counts && counts.total > 0 && counts.sent === counts.total;
      const eyes = (current?.eyes ?? []).map((e) => ({
        laterality: e.laterality,
        stage: e.stage,
        confidence: e.confidence,
        reviewed: reviewedSet.has(`${s.studyInstanceUid}|${e.laterality}`),
      }));
      rows.push({
        id: s.id,
        studyInstanceUid: s.studyInstanceUid,
        status: published ? 'published' : base,
        receivedAt: s.createdAt.toISOString(),
        lastReceivedAt: s.lastReceivedAt.toISOString(),
        imageCount: s.series.reduce((n, se) => n + se._count.instances, 0),
        eyes,
        maxStageRank: Math.max(-1, ...eyes.map((e) => rankOf(e.stage, classes))),
        classes,
        publish: counts ?? { total: 0, pending: 0, sending: 0, sent: 0, dead: 0 },
      });
    }
    return rows
      .filter((r) => !q.status || r.status === q.status)
      .filter((r) => {
        if (q.minStage === undefined) return true;
        const min = rankOf(q.minStage, r.classes);
        return min >= 0 && r.maxStageRank >= min;
      })
      .sort(compareWorklist)
      .slice(q.offset, q.offset + q.limit);
  }
}
