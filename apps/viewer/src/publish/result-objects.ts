import { randomUUID } from 'node:crypto';
import type { Image8, PluginContext } from '@ropline/core';
import type { Database } from '@ropline/db';
import {
  buildOverlaySc,
  buildStagingSr,
  decodeFrame,
  readDicom,
  type BuiltResult,
  type NaturalDataset,
  type SrEyeFinding,
  type SrImageEvidence,
  type SupersededDocument,
} from '@ropline/dicom';
import type { BlobRef, BlobStore } from '@ropline/gateway';
import { decodeImageBytes } from '@ropline/preprocess';
import type { OutboxEntry, OutboxStore } from '@ropline/outbox';
import { maskToPolylines } from './mask-polylines.js';
import { toStageLabel } from './stage-label.js';

export interface ResultBuildDeps {
  db: Database;
  blobs: BlobStore;
  outbox: OutboxStore;
  /** Destination names that get results. */
  destinations: string[];
  overlayStyle: 'outline' | 'fill';
  ctx: PluginContext;
}

/** A clinician's review folded into a report revision (latest confirmed labels win). */
export interface ReviewFacts {
  revision: number;
  actor: string;
  at: Date;
  /** Confirmed stage per eye (R/L). */
  eyeStages: Map<string, string>;
  /** Confirmed line per image (`instanceId:frame`), polylines in image pixels [[x, y], ...][]. */
  lines: Map<string, number[][][]>;
  /** Images marked ungradable (`instanceId:frame`): left out of the report's evidence. */
  ungradable: Set<string>;
}

export interface BuildSummary {
  analysisId: string;
  overlays: number;
  reports: number;
  /** New outbox rows. */
  queued: number;
  skipped?: string;
}

const rgbOf = (img: Image8): Uint8Array => {
  if (img.channels === 3) return img.data;
  const out = new Uint8Array(img.width * img.height * 3);
  for (let i = 0; i < img.width * img.height; i++) out[3 * i] = out[3 * i + 1] = out[3 * i + 2] = img.data[i];
  return out;
};

const key = (instanceId: string, frame: number) => `${instanceId}:${frame}`;

/**
 * Builds the result objects of one done analysis: an SC overlay per analysed image (skipped when it
 * exists) and the study's SR (revision 0 = the model's result; `review` = a clinician-verified
 * revision), stores their bytes, and records them with their outbox rows in one transaction. Earlier
 * reports of the study are marked superseded and named in the new SR's PredecessorDocumentsSequence.
 * Deterministic UIDs and timestamps (the analysis' finish time, the review's time) make a retry build
 * the same bytes, so nothing is ever duplicated.
 */
export async function buildAnalysisResults(
  deps: ResultBuildDeps,
  analysisId: string,
  review?: ReviewFacts,
): Promise<BuildSummary> {
  const { prisma } = deps.db;
  const analysis = await prisma.analysis.findUnique({
    where: { id: analysisId },
    include: {
      study: true,
      eyes: true,
      predictions: { include: { instance: { include: { series: true } } }, orderBy: { createdAt: 'asc' } },
    },
  });
  if (!analysis) return { analysisId, overlays: 0, reports: 0, queued: 0, skipped: 'not found' };
  if (analysis.status !== 'done')
    return { analysisId, overlays: 0, reports: 0, queued: 0, skipped: analysis.status };
  const model = {
    name: analysis.pipelineName ?? analysis.pipelineKey,
    version: analysis.pipelineVersion ?? 'unversioned',
  };
  const createdAt = review?.at ?? analysis.finishedAt ?? analysis.createdAt;
  const existing = await prisma.resultObject.findMany({ where: { analysisId, kind: 'overlay' } });
  const haveOverlay = new Set(existing.map((o) => key(o.sourceInstanceId ?? '', o.frame ?? 0)));

  const built: {
    result: BuiltResult;
    kind: 'overlay' | 'report';
    sourceInstanceId?: string;
    frame?: number;
    revision: number;
  }[] = [];
  const evidenceByEye = new Map<string, SrImageEvidence[]>();
  let srSource: NaturalDataset | null = null;

  for (const p of analysis.predictions) {
    if (p.status !== 'ok') continue;
    const ds = readDicom(await deps.blobs.get(p.instance.blobSha256));
    srSource ??= ds.elements;
    let mask: Image8 | null = null;
    if (p.maskSha256) mask = decodeImageBytes(await deps.blobs.get(p.maskSha256));
    const k = key(p.instanceId, p.frame);
    if (!haveOverlay.has(k)) {
      const image = await decodeFrame(ds, p.frame);
      const result = buildOverlaySc({
        source: ds.elements,
        rgb: rgbOf(image),
        rows: image.height,
        columns: image.width,
        mask: mask && mask.width === image.width && mask.height === image.height ? mask.data : null,
        style: deps.overlayStyle,
        caption: {
          stage: toStageLabel(p.stage),
          confidence: p.confidence ?? 0,
          laterality: p.laterality === 'R' || p.laterality === 'L' ? p.laterality : '',
          model,
        },
        analysis: model,
        frameNumber: p.frame + 1,
        createdAt,
        instanceNumber: built.length + 1,
      });
      built.push({ result, kind: 'overlay', sourceInstanceId: p.instanceId, frame: p.frame, revision: 0 });
    }
    if (review?.ungradable.has(k)) continue;
    const corrected = review?.lines.get(k);
    const polylines = corrected
      ? corrected.map((line) => line.flatMap(([x, y]) => [x, y]))
      : mask
        ? maskToPolylines(mask.data, mask.width, mask.height)
        : [];
    const list = evidenceByEye.get(p.laterality) ?? [];
    list.push({
      sopClassUid: p.instance.sopClassUid,
      sopInstanceUid: p.instance.sopInstanceUid,
      seriesInstanceUid: p.instance.series.seriesInstanceUid,
      ...(p.instance.frames > 1 ? { frameNumber: p.frame + 1 } : {}),
      polylines,
    });
    evidenceByEye.set(p.laterality, list);
  }

  const eyes: SrEyeFinding[] = [];
  for (const eye of analysis.eyes) {
    if (eye.laterality !== 'R' && eye.laterality !== 'L') continue; // the SR codes a finding site per eye
    const confirmed = review?.eyeStages.get(eye.laterality);
    eyes.push({
      laterality: eye.laterality,
      stage: toStageLabel(confirmed ?? eye.stage),
      confidence: confirmed ? 1 : (eye.confidence ?? 0),
      images: evidenceByEye.get(eye.laterality) ?? [],
    });
  }

  const revision = review?.revision ?? 0;
  const previous = await prisma.resultObject.findMany({
    where: { studyInstanceUid: analysis.study.studyInstanceUid, kind: 'report', supersededAt: null },
  });
  if (srSource && eyes.length) {
    const supersedes: SupersededDocument[] = previous.map((r) => ({
      studyInstanceUid: r.studyInstanceUid,
      seriesInstanceUid: r.seriesInstanceUid,
      sopClassUid: r.sopClassUid,
      sopInstanceUid: r.sopInstanceUid,
    }));
    const result = buildStagingSr({
      source: srSource,
      analysisId,
      revision,
      model,
      eyes,
      createdAt,
      ...(review
        ? { verification: { observerName: review.actor, organization: 'ROPline', verifiedAt: review.at } }
        : {}),
      supersedes: supersedes.filter((s) => s.sopInstanceUid !== undefined),
    });
    if (!previous.some((r) => r.sopInstanceUid === result.sopInstanceUid)) {
      built.push({ result, kind: 'report', revision });
    }
  }

  // Bytes first (durable, content-addressed), then rows + outbox in one transaction.
  const stored: ((typeof built)[number] & { blob: BlobRef })[] = [];
  for (const b of built) stored.push({ ...b, blob: await deps.blobs.put(b.result.bytes) });
  const newReport = stored.find((s) => s.kind === 'report');
  let queued = 0;
  await prisma.$transaction(async (tx) => {
    const entries: OutboxEntry[] = [];
    for (const s of stored) {
      const row = await tx.resultObject.upsert({
        where: { sopInstanceUid: s.result.sopInstanceUid },
        update: {},
        create: {
          id: randomUUID(),
          analysisId,
          kind: s.kind,
          sopInstanceUid: s.result.sopInstanceUid,
          sopClassUid: s.result.sopClassUid,
          seriesInstanceUid: s.result.seriesInstanceUid,
          studyInstanceUid: s.result.studyInstanceUid,
          sourceInstanceId: s.sourceInstanceId ?? null,
          frame: s.frame ?? null,
          revision: s.revision,
          blobSha256: s.blob.sha256,
          byteSize: BigInt(s.blob.size),
          modelName: model.name,
          modelVersion: model.version,
        },
      });
      for (const destination of deps.destinations) {
        entries.push({
          destination,
          kind: 'result',
          sopInstanceUid: row.sopInstanceUid,
          sopClassUid: row.sopClassUid,
          transferSyntaxUid: '1.2.840.10008.1.2.1',
          studyInstanceUid: row.studyInstanceUid,
          blobSha256: row.blobSha256,
          byteSize: Number(row.byteSize),
          resultObjectId: row.id,
        });
      }
    }
    if (newReport && previous.length) {
      await tx.resultObject.updateMany({
        where: { id: { in: previous.map((p) => p.id) }, supersededAt: null },
        data: { supersededAt: new Date() },
      });
    }
    // Overlays of earlier analyses of this study are superseded by this one's.
    await tx.resultObject.updateMany({
      where: {
        studyInstanceUid: analysis.study.studyInstanceUid,
        kind: 'overlay',
        analysisId: { not: analysisId },
        supersededAt: null,
      },
      data: { supersededAt: new Date() },
    });
    queued = await deps.outbox.enqueue(entries, tx);
  });
  const summary = {
    analysisId,
    overlays: stored.filter((s) => s.kind === 'overlay').length,
    reports: stored.filter((s) => s.kind === 'report').length,
    queued,
  };
  deps.ctx.log('info', 'result objects built', { ...summary, revision });
  return summary;
}
