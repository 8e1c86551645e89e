import type { Image8 } from '@ropline/core';
import { createMask, strokePolyline, type Mask } from '@ropline/datasets';
import type { Database } from '@ropline/db';
import { decodeImageBytes } from '@ropline/preprocess';
import type { ConfirmedImage } from './confirmed-images.js';
import type { MaskSource } from './snapshot.types.js';

/** Default stroke: 1% of the shorter image side, at least 3 px (a demarcation line is a thin ridge). */
export function defaultLineWidth(width: number, height: number): number {
  return Math.max(3, Math.round(Math.min(width, height) / 100));
}

/**
 * A clinician's polylines ([[[x, y], ...], ...], image pixels, pixel centres at integers) stroked onto
 * a 0/255 mask at image size. rasterize.util puts pixel centres at +0.5, hence the shift.
 */
export function rasterizeLine(line: unknown, width: number, height: number, strokeWidth: number): Mask {
  const mask = createMask(width, height);
  if (!Array.isArray(line)) return mask;
  for (const pl of line as unknown[]) {
    if (!Array.isArray(pl)) continue;
    const pts = (pl as unknown[]).filter(
      (p): p is [number, number] =>
        Array.isArray(p) && Number.isFinite(p[0] as number) && Number.isFinite(p[1] as number),
    );
    if (!pts.length) continue;
    strokePolyline(
      mask,
      pts.map((p) => p[0] + 0.5),
      pts.map((p) => p[1] + 0.5),
      strokeWidth,
    );
  }
  return mask;
}

/** A model mask PNG (any channels) re-binarized at 128 and brought to image size (nearest). */
export function binarizeToSize(img: Image8, width: number, height: number): Mask {
  const mask = createMask(width, height);
  for (let y = 0; y < height; y++) {
    const sy = Math.min(img.height - 1, Math.floor(((y + 0.5) * img.height) / height));
    for (let x = 0; x < width; x++) {
      const sx = Math.min(img.width - 1, Math.floor(((x + 0.5) * img.width) / width));
      if (img.data[(sy * img.width + sx) * img.channels] >= 128) mask.data[y * width + x] = 255;
    }
  }
  return mask;
}

export interface ChosenMask {
  mask: Mask | null;
  source: MaskSource;
  analysisId: string | null;
  modelVersion: string | null;
}

/**
 * The "accepted model line" policy. A clinician's line always wins (an empty line = "no line": an
 * empty mask). Without one, a stage 0 image gets an empty mask; a stage 1-3 image gets the model's
 * mask from the analysis the clinician reviewed when confirming the stage (the label's analysisId,
 * else the study's latest finished analysis): by confirming the stage without drawing a line the
 * clinician accepted the line shown. If that mask is absent or empty, the item has no mask
 * ('none': the segmenter must not learn "no line" from it). A line-only image (no stage) keeps
 * the clinician's line.
 */
export async function chooseMask(
  db: Database,
  readBlob: (sha: string) => Promise<Buffer>,
  image: ConfirmedImage,
  stage: number | null,
  width: number,
  height: number,
  strokeWidth: number,
): Promise<ChosenMask> {
  const none = { analysisId: null, modelVersion: null };
  if (image.line) {
    return { mask: rasterizeLine(image.line.line, width, height, strokeWidth), source: 'clinician', ...none };
  }
  if (stage === 0 || stage === null) return { mask: createMask(width, height), source: 'none', ...none };
  const analysis = image.stage?.analysisId
    ? await db.prisma.analysis.findUnique({ where: { id: image.stage.analysisId } })
    : await db.prisma.analysis.findFirst({
        where: { study: { studyInstanceUid: image.studyInstanceUid }, status: 'done' },
        orderBy: [{ finishedAt: 'desc' }, { createdAt: 'desc' }],
      });
  if (!analysis) return { mask: null, source: 'none', ...none };
  const prediction = await db.prisma.prediction.findUnique({
    where: {
      analysisId_instanceId_frame: {
        analysisId: analysis.id,
        instanceId: image.instanceId,
        frame: image.frame,
      },
    },
    select: { maskSha256: true },
  });
  const refs = { analysisId: analysis.id, modelVersion: analysis.pipelineVersion };
  if (!prediction?.maskSha256) return { mask: null, source: 'none', ...refs };
  const mask = binarizeToSize(decodeImageBytes(await readBlob(prediction.maskSha256)), width, height);
  if (!mask.data.some((v) => v !== 0)) return { mask: null, source: 'none', ...refs };
  return { mask, source: 'model', ...refs };
}
