import type { SegmentationResult } from '../ports/segmenter.port.js';

/** The label the segmentation-only baseline gives an image with no line ("no ROP detected"). */
export const NO_LINE = 'none';

export interface StageDecision {
  stage: string;
  /** Area in pixels of the union of kept instances, per class label. */
  areas: Record<string, number>;
  /** areas / total kept area (all zero when nothing was found). */
  fractions: Record<string, number>;
}

/**
 * The paper's rule for the segmentation-only baseline (section IV): union the predictions of each
 * stage (the kept instances, i.e. confidence >= threshold), the stage with the largest area wins;
 * no prediction at all -> 'none'. Ties go to the higher (more severe) stage: a screening tool
 * should not round a doubt down.
 */
export function stageFromSegmentation(seg: Pick<SegmentationResult, 'classes' | 'instances'>): StageDecision {
  const areas: Record<string, number> = {};
  for (const c of seg.classes) areas[c] = 0;
  for (const inst of seg.instances) areas[inst.label] = (areas[inst.label] ?? 0) + inst.areaPx;
  const total = Object.values(areas).reduce((a, b) => a + b, 0);
  const fractions: Record<string, number> = {};
  for (const c of seg.classes) fractions[c] = total > 0 ? areas[c] / total : 0;
  if (total === 0) return { stage: NO_LINE, areas, fractions };
  let best = seg.classes[0];
  for (const c of seg.classes) if (areas[c] >= areas[best]) best = c;
  return { stage: best, areas, fractions };
}
