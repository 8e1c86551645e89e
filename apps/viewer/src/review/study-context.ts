import type { Database } from '@ropline/db';
import { eyeOf } from '@ropline/gateway';
import { notFound } from './review.errors.js';
import { classesOf } from './stage-order.js';

export interface ContextInstance {
  id: string;
  sopInstanceUid: string;
  seriesInstanceUid: string;
  instanceNumber: number | null;
  laterality: 'R' | 'L' | 'U';
  rows: number | null;
  columns: number | null;
  frames: number;
}

export interface ContextPrediction {
  instanceId: string;
  frame: number;
  status: string;
  stage: string | null;
  lines: unknown;
}

/** A study by internal id with its instances and current (newest done) analysis: the review's facts. */
export interface StudyContext {
  id: string;
  studyInstanceUid: string;
  instances: ContextInstance[];
  analysis: {
    id: string;
    modelVersion: string | null;
    classes: string[];
    eyes: { laterality: string; stage: string }[];
    predictions: ContextPrediction[];
  } | null;
}

export async function loadStudyContext(db: Database, id: string): Promise<StudyContext> {
  const { prisma } = db;
  const study = await prisma.study.findUnique({
    where: { id },
    select: {
      id: true,
      studyInstanceUid: true,
      series: {
        select: {
          seriesInstanceUid: true,
          instances: {
            select: {
              id: true,
              sopInstanceUid: true,
              instanceNumber: true,
              laterality: true,
              rows: true,
              columns: true,
              frames: true,
            },
          },
        },
      },
    },
  });
  if (!study) throw notFound('Study');
  const current = await prisma.analysis.findFirst({
    where: { studyId: id, status: 'done' },
    orderBy: { createdAt: 'desc' },
    select: {
      id: true,
      pipelineVersion: true,
      eyes: { select: { laterality: true, stage: true } },
      predictions: {
        select: {
          instanceId: true,
          frame: true,
          status: true,
          stage: true,
          lines: true,
          probabilities: true,
        },
      },
    },
  });
  const instances = study.series
    .flatMap((s) => s.instances.map((i) => ({ ...i, seriesInstanceUid: s.seriesInstanceUid })))
    .map((i) => ({ ...i, laterality: eyeOf(i.laterality) }))
    .sort(
      (a, b) =>
        (a.instanceNumber ?? 0) - (b.instanceNumber ?? 0) || a.sopInstanceUid.localeCompare(b.sopInstanceUid),
    );
  return {
    id: study.id,
    studyInstanceUid: study.studyInstanceUid,
    instances,
    analysis: current
      ? {
          id: current.id,
          modelVersion: current.pipelineVersion,
          classes: classesOf(current.predictions.find((p) => p.status === 'ok')?.probabilities),
          eyes: current.eyes,
          predictions: current.predictions,
        }
      : null,
  };
}
