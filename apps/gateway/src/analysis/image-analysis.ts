import { randomUUID } from 'node:crypto';
import type { Image8 } from '@ropline/core';
import { decodeFrame, readDicom } from '@ropline/dicom';
import type { StagingPipeline } from '@ropline/models';
import { encodePng } from '@ropline/preprocess';
import type { BlobStore } from '../blob/blob-store.port.js';
import { eyeOf } from './eye-aggregate.rule.js';

/** One row of `predictions`, ready to insert. */
export interface PredictionRow {
  id: string;
  instanceId: string;
  frame: number;
  laterality: string;
  status: 'ok' | 'error';
  stage: string | null;
  confidence: number | null;
  probabilities: Record<string, number> | null;
  lines: unknown;
  maskSha256: string | null;
  models: unknown;
  latencies: unknown;
  errorCode: string | null;
  errorMessage: string | null;
}

export interface RoutedInstance {
  id: string;
  blobSha256: string;
  frames: number;
  laterality: string | null;
}

const failed = (inst: RoutedInstance, frame: number, e: unknown): PredictionRow => ({
  id: randomUUID(),
  instanceId: inst.id,
  frame,
  laterality: eyeOf(inst.laterality),
  status: 'error',
  stage: null,
  confidence: null,
  probabilities: null,
  lines: null,
  maskSha256: null,
  models: null,
  latencies: null,
  errorCode: (e as { code?: string }).code ?? 'ANALYSIS.IMAGE_FAILED',
  // Decoder/model messages name attributes and sizes, never attribute values.
  errorMessage: String((e as Error).message ?? e).slice(0, 500),
});

async function analyzeFrame(
  pipeline: StagingPipeline,
  blobs: BlobStore,
  inst: RoutedInstance,
  frame: number,
  image: Image8,
): Promise<PredictionRow> {
  const r = await pipeline.analyze(image);
  const mask = r.maskAtInputSize ? await blobs.put(encodePng(r.maskAtInputSize)) : null;
  return {
    id: randomUUID(),
    instanceId: inst.id,
    frame,
    laterality: eyeOf(inst.laterality),
    status: 'ok',
    stage: r.stage,
    confidence: r.probabilities[r.stage] ?? null,
    probabilities: r.probabilities,
    lines:
      r.segmentation?.instances.map((l) => ({
        label: l.label,
        confidence: l.confidence,
        areaPx: l.areaPx,
        box: l.box,
        polygon: l.polygon,
      })) ?? [],
    maskSha256: mask?.sha256 ?? null,
    models: r.models,
    latencies: r.latencyMs,
    errorCode: null,
    errorMessage: null,
  };
}

/**
 * Decodes every frame of a stored instance (blob -> readDicom -> decodeFrame) and runs the
 * pipeline on it. A frame or instance that fails becomes an `error` row, never an exception.
 */
export async function analyzeInstance(
  pipeline: StagingPipeline,
  blobs: BlobStore,
  inst: RoutedInstance,
): Promise<PredictionRow[]> {
  let ds;
  try {
    ds = readDicom(await blobs.get(inst.blobSha256));
  } catch (e) {
    return [failed(inst, 0, e)];
  }
  const rows: PredictionRow[] = [];
  for (let f = 0; f < Math.max(1, inst.frames); f++) {
    try {
      rows.push(await analyzeFrame(pipeline, blobs, inst, f, await decodeFrame(ds, f)));
    } catch (e) {
      rows.push(failed(inst, f, e));
    }
  }
  return rows;
}
