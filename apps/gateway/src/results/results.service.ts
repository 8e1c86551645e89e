import { RopError } from '@ropline/core';
import type { Database } from '@ropline/db';
import type { BlobStore } from '../blob/blob-store.port.js';

export type StudyStatus = 'received' | 'analysing' | 'analysed' | 'failed';
export const STUDY_STATUSES: readonly StudyStatus[] = ['received', 'analysing', 'analysed', 'failed'];

export interface EyeView {
  laterality: string;
  stage: string;
  confidence: number | null;
  imageCount: number;
  /** SOP Instance UID (and frame) of the evidence image; null when indeterminate. */
  evidence: { sopInstanceUid: string; frame: number } | null;
  /** The evidence image's class probabilities. */
  probabilities: Record<string, number> | null;
}

export interface StudyResults {
  studyInstanceUid: string;
  status: StudyStatus;
  receivedAt: string;
  lastReceivedAt: string;
  analysis: {
    id: string;
    status: string;
    pipeline: { key: string; name: string | null; version: string | null };
    /** [{kind, name, version}] of the models used (from the first analysed image). */
    models: unknown;
    imageCount: number;
    createdAt: string;
    finishedAt: string | null;
    eyes: EyeView[];
    images: {
      sopInstanceUid: string;
      seriesInstanceUid: string;
      frame: number;
      laterality: string;
      status: string;
      stage: string | null;
      confidence: number | null;
      probabilities: unknown;
      lines: unknown;
      /** Relative URL of the line mask PNG; null when there is none (error rows). */
      maskUrl: string | null;
      errorCode: string | null;
    }[];
  } | null;
  /** The latest analysis that is not done (running, retrying, failed), when newer than `analysis`. */
  pending: { id: string; status: string; errorCode: string | null } | null;
  supersededAnalysisIds: string[];
}

export interface WorklistItem {
  studyInstanceUid: string;
  receivedAt: string;
  lastReceivedAt: string;
  status: StudyStatus;
  analysisId: string | null;
  eyes: { laterality: string; stage: string }[];
}

const notFound = (what: string) => new RopError('RESULTS.NOT_FOUND', `${what} not found`);

type AnalysisRow = { id: string; status: string; createdAt: Date };

/** Study status from its analyses (newest first): the newest non-superseded one decides. */
export function studyStatusOf(analyses: AnalysisRow[]): StudyStatus {
  const latest = analyses.find((a) => a.status !== 'superseded');
  if (!latest) return 'received';
  if (latest.status === 'done') return 'analysed';
  if (latest.status === 'failed') return 'failed';
  return 'analysing';
}

/**
 * Severity rank of a stage among `classes` (the classifier's labels; jsonb keeps stage0..stageN in
 * order); `indeterminate`, `none` and unknown labels rank below every class.
 */
export function stageRank(stage: string, classes: string[]): number {
  return classes.indexOf(stage);
}

/** Read model of analysis results (PHI-free: UIDs, dates, stages, numbers). */
export class ResultsService {
  constructor(
    private readonly db: Database,
    private readonly blobs: Pick<BlobStore, 'get'>,
  ) {}

  async studyResults(studyInstanceUid: string): Promise<StudyResults> {
    const { prisma } = this.db;
    const study = await prisma.study.findUnique({
      where: { studyInstanceUid },
      include: { analyses: { orderBy: { createdAt: 'desc' } } },
    });
    if (!study) throw notFound('Study');
    const current = study.analyses.find((a) => a.status === 'done') ?? null;
    const latest = study.analyses.find((a) => a.status !== 'superseded');
    const pending = latest && latest.status !== 'done' ? latest : null;
    return {
      studyInstanceUid,
      status: studyStatusOf(study.analyses),
      receivedAt: study.createdAt.toISOString(),
      lastReceivedAt: study.lastReceivedAt.toISOString(),
      analysis: current ? await this.analysisView(studyInstanceUid, current) : null,
      pending: pending ? { id: pending.id, status: pending.status, errorCode: pending.errorCode } : null,
      supersededAnalysisIds: study.analyses.filter((a) => a.status === 'superseded').map((a) => a.id),
    };
  }

  private async analysisView(
    studyUid: string,
    a: {
      id: string;
      status: string;
      pipelineKey: string;
      pipelineName: string | null;
      pipelineVersion: string | null;
      imageCount: number;
      createdAt: Date;
      finishedAt: Date | null;
    },
  ): Promise<NonNullable<StudyResults['analysis']>> {
    const { prisma } = this.db;
    const [predictions, eyes] = await Promise.all([
      prisma.prediction.findMany({
        where: { analysisId: a.id },
        include: {
          instance: { select: { sopInstanceUid: true, series: { select: { seriesInstanceUid: true } } } },
        },
        orderBy: [
          { instance: { instanceNumber: 'asc' } },
          { instance: { sopInstanceUid: 'asc' } },
          { frame: 'asc' },
        ],
      }),
      prisma.eyeResult.findMany({ where: { analysisId: a.id }, orderBy: { laterality: 'asc' } }),
    ]);
    const byId = new Map(predictions.map((p) => [p.id, p]));
    const base = `/api/studies/${studyUid}/instances`;
    return {
      id: a.id,
      status: a.status,
      pipeline: { key: a.pipelineKey, name: a.pipelineName, version: a.pipelineVersion },
      models: predictions.find((p) => p.models)?.models ?? null,
      imageCount: a.imageCount,
      createdAt: a.createdAt.toISOString(),
      finishedAt: a.finishedAt?.toISOString() ?? null,
      eyes: eyes.map((e) => {
        const ev = e.evidencePredictionId ? byId.get(e.evidencePredictionId) : undefined;
        return {
          laterality: e.laterality,
          stage: e.stage,
          confidence: e.confidence,
          imageCount: e.imageCount,
          evidence: ev ? { sopInstanceUid: ev.instance.sopInstanceUid, frame: ev.frame } : null,
          probabilities: (ev?.probabilities as Record<string, number> | null) ?? null,
        };
      }),
      images: predictions.map((p) => ({
        sopInstanceUid: p.instance.sopInstanceUid,
        seriesInstanceUid: p.instance.series.seriesInstanceUid,
        frame: p.frame,
        laterality: p.laterality,
        status: p.status,
        stage: p.stage,
        confidence: p.confidence,
        probabilities: p.probabilities,
        lines: p.lines,
        maskUrl: p.maskSha256
          ? `${base}/${p.instance.sopInstanceUid}/mask${p.frame ? `?frame=${p.frame}` : ''}`
          : null,
        errorCode: p.errorCode,
      })),
    };
  }

  /** The line mask PNG of an image in the study's current analysis. */
  async mask(studyInstanceUid: string, sopInstanceUid: string, frame: number): Promise<Buffer> {
    const { prisma } = this.db;
    const instance = await prisma.instance.findUnique({
      where: { sopInstanceUid },
      select: { id: true, series: { select: { study: { select: { studyInstanceUid: true, id: true } } } } },
    });
    if (!instance || instance.series.study.studyInstanceUid !== studyInstanceUid) throw notFound('Instance');
    const current = await prisma.analysis.findFirst({
      where: { studyId: instance.series.study.id, status: 'done' },
      orderBy: { createdAt: 'desc' },
      select: { id: true },
    });
    const prediction = current
      ? await prisma.prediction.findUnique({
          where: { analysisId_instanceId_frame: { analysisId: current.id, instanceId: instance.id, frame } },
          select: { maskSha256: true },
        })
      : null;
    if (!prediction?.maskSha256) throw notFound('Mask');
    return this.blobs.get(prediction.maskSha256);
  }

  /** Studies newest first, filtered by status and by the most severe eye stage. */
  async worklist(o: {
    status?: StudyStatus;
    stageAtLeast?: string;
    limit: number;
    offset: number;
  }): Promise<WorklistItem[]> {
    const studies = await this.db.prisma.study.findMany({
      orderBy: { lastReceivedAt: 'desc' },
      select: {
        studyInstanceUid: true,
        createdAt: true,
        lastReceivedAt: true,
        analyses: {
          orderBy: { createdAt: 'desc' },
          select: {
            id: true,
            status: true,
            createdAt: true,
            eyes: { select: { laterality: true, stage: true }, orderBy: { laterality: 'asc' } },
            predictions: { select: { probabilities: true }, where: { status: 'ok' }, take: 1 },
          },
        },
      },
    });
    const items: WorklistItem[] = [];
    for (const s of studies) {
      const status = studyStatusOf(s.analyses);
      if (o.status && status !== o.status) continue;
      const current = s.analyses.find((a) => a.status === 'done');
      if (o.stageAtLeast !== undefined) {
        const classes = Object.keys((current?.predictions[0]?.probabilities as object | null) ?? {});
        const min = stageRank(o.stageAtLeast, classes);
        if (!current || min < 0 || !current.eyes.some((e) => stageRank(e.stage, classes) >= min)) continue;
      }
      items.push({
        studyInstanceUid: s.studyInstanceUid,
        receivedAt: s.createdAt.toISOString(),
        lastReceivedAt: s.lastReceivedAt.toISOString(),
        status,
        analysisId: current?.id ?? null,
        eyes: current?.eyes ?? [],
      });
    }
    return items.slice(o.offset, o.offset + o.limit);
  }
}
