import { maskIou, type BinaryMask } from './segmentation.js';
import { invalid } from './validate.js';

/** [left, top, right, bottom] in inclusive pixel coordinates (Cartucho/mAP and PASCAL VOC). */
export type Box = [number, number, number, number];

export interface DetectionTruth {
  imageId: string;
  label: string;
  box?: Box;
  mask?: BinaryMask;
}

export interface Detection extends DetectionTruth {
  confidence: number;
}

export interface ApOptions {
  /** A detection matches when IoU >= this (default 0.5). */
  iouThreshold?: number;
  /** Overlap of boxes (default) or of masks. */
  iou?: 'box' | 'mask';
}

export interface SingleClassApOptions extends ApOptions {
  /** Only items of this label count; without it every item is taken as one class. */
  label?: string;
}

export interface ApResult {
  ap: number;
  /** Cumulative precision and recall after each detection, in confidence order. */
  precision: number[];
  recall: number[];
  tp: number;
  fp: number;
  truthCount: number;
}

/**
 * Box IoU with the +1 pixel convention of PASCAL VOC devkit and Cartucho/mAP main.py
 * (`iw = bi[2] - bi[0] + 1`, areas `(r - l + 1) * (b - t + 1)`): coordinates are inclusive pixel
 * indices, so [0, 0, 0, 0] is one pixel. No overlap (iw <= 0 or ih <= 0) -> 0.
 */
export function boxIou(a: Box, b: Box): number {
  const iw = Math.min(a[2], b[2]) - Math.max(a[0], b[0]) + 1;
  const ih = Math.min(a[3], b[3]) - Math.max(a[1], b[1]) + 1;
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  const union = (a[2] - a[0] + 1) * (a[3] - a[1] + 1) + (b[2] - b[0] + 1) * (b[3] - b[1] + 1) - inter;
  return inter / union;
}

/**
 * PASCAL VOC 2010-2012 all-point interpolated AP (Cartucho `voc_ap`): precision made monotone from
 * the right, summed over the recall steps, with sentinels recall 0 -> 1 and precision 0 -> 0.
 */
export function vocAp(recall: readonly number[], precision: readonly number[]): number {
  const mrec = [0, ...recall, 1];
  const mpre = [0, ...precision, 0];
  for (let i = mpre.length - 2; i >= 0; i--) mpre[i] = Math.max(mpre[i], mpre[i + 1]);
  let ap = 0;
  for (let i = 1; i < mrec.length; i++) {
    if (mrec[i] !== mrec[i - 1]) ap += (mrec[i] - mrec[i - 1]) * mpre[i];
  }
  return ap;
}

function overlapOf(kind: 'box' | 'mask'): (d: DetectionTruth, t: DetectionTruth) => number {
  return (d, t) => {
    if (kind === 'mask') {
      if (!d.mask || !t.mask) throw invalid(`mask IoU needs a mask on every item (image "${t.imageId}")`);
      return maskIou(d.mask, t.mask);
    }
    if (!d.box || !t.box) throw invalid(`box IoU needs a box on every item (image "${t.imageId}")`);
    for (const v of [...d.box, ...t.box])
      if (!Number.isFinite(v)) throw invalid('box with a non-finite coordinate');
    return boxIou(d.box, t.box);
  };
}

/**
 * AP of one class, with Cartucho/mAP's matching rule: detections sorted by confidence (descending,
 * ties keep input order, as Python's stable sort); each is compared with every truth of its class
 * in its image and takes the one of highest IoU (the first on ties). If that IoU >= threshold and
 * the truth is unmatched -> TP and the truth is used; if the truth is already used -> FP (a
 * duplicate; Cartucho does NOT fall back to the next best free truth); below threshold or no truth
 * in the image -> FP. With `label`, items of other labels are ignored. No truth -> AP 0.
 */
export function averagePrecision(
  truths: readonly DetectionTruth[],
  dets: readonly Detection[],
  options: SingleClassApOptions = {},
): ApResult {
  const { label } = options;
  const keep = (x: DetectionTruth) => label === undefined || x.label === label;
  const threshold = options.iouThreshold ?? 0.5;
  if (!(threshold >= 0 && threshold <= 1)) throw invalid(`IoU threshold must be in [0, 1], got ${threshold}`);
  const overlap = overlapOf(options.iou ?? 'box');
  const byImage = new Map<string, { truth: DetectionTruth; used: boolean }[]>();
  let truthCount = 0;
  for (const t of truths) {
    if (!keep(t)) continue;
    truthCount++;
    const list = byImage.get(t.imageId) ?? [];
    list.push({ truth: t, used: false });
    byImage.set(t.imageId, list);
  }
  const ofClass = dets.filter(keep);
  for (const d of ofClass) {
    if (!Number.isFinite(d.confidence))
      throw invalid(`detection with a non-finite confidence (image "${d.imageId}")`);
  }
  const sorted = [...ofClass].sort((a, b) => b.confidence - a.confidence);
  let tp = 0;
  let fp = 0;
  const precision: number[] = [];
  const recall: number[] = [];
  for (const d of sorted) {
    let best = -1;
    let match: { used: boolean } | undefined;
    for (const candidate of byImage.get(d.imageId) ?? []) {
      const ov = overlap(d, candidate.truth);
      if (ov > best) {
        best = ov;
        match = candidate;
      }
    }
    if (match && best >= threshold && !match.used) {
      match.used = true;
      tp++;
    } else {
      fp++;
    }
    precision.push(tp / (tp + fp));
    recall.push(truthCount === 0 ? 0 : tp / truthCount);
  }
  const ap = truthCount === 0 ? 0 : vocAp(recall, precision);
  return { ap, precision, recall, tp, fp, truthCount };
}

/**
 * AP per class and their mean. Classes are those with ground truth (Cartucho averages over the
 * ground-truth classes; a class with truth but no detection has AP 0; detections of a class absent
 * from the truth are ignored). `labels` overrides the class list. No class -> INVALID_INPUT.
 */
export function meanAveragePrecision(
  truths: readonly DetectionTruth[],
  dets: readonly Detection[],
  options: ApOptions & { labels?: readonly string[] } = {},
): { ap: Record<string, number>; mAP: number; perClass: Record<string, ApResult> } {
  const labels = options.labels ?? [...new Set(truths.map((t) => t.label))].sort();
  if (labels.length === 0) throw invalid('meanAveragePrecision: no ground-truth class');
  const perClass: Record<string, ApResult> = {};
  const ap: Record<string, number> = {};
  for (const label of labels) {
    perClass[label] = averagePrecision(truths, dets, { ...options, label });
    ap[label] = perClass[label].ap;
  }
  const mAP = labels.reduce((s, l) => s + ap[l], 0) / labels.length;
  return { ap, mAP, perClass };
}
