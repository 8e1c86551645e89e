/**
 * Turns a segmentation head's per-pixel output into the port's instances: threshold (binary) or
 * arg-max (multi-class), 8-connected components, confidence = mean probability of a component,
 * outer polygon (Moore tracing + Douglas–Peucker), and the paper's confidence filter. Pure code on
 * typed arrays (no tfjs), row-major, x right, y down.
 */
import type { SegmentInstance } from '../ports/segmenter.port.js';
import { labelComponents } from './connected-components.util.js';
import { traceOuterContour } from './contour-trace.util.js';
import { simplifyClosedPolygon } from './polygon-simplify.util.js';

export interface InstanceRules {
  /** Binary head: a pixel is foreground when its probability is > this. Unused for multi-class. */
  pixelThreshold: number;
  /** Components with mean probability >= this are kept (paper: 0.8). */
  confidenceThreshold: number;
  /** Douglas–Peucker tolerance for the polygons, in pixels. */
  simplifyTolerancePx: number;
}

export interface DecodedSegmentation {
  /** Foreground probability per pixel (multi-class: max over the non-background classes). */
  probability: Float32Array;
  /** Multi-class: class index per pixel, -1 = background or part of a dropped instance; else null. */
  labels: Int16Array | null;
  /** 0/255: pixels of kept instances only. */
  mask: Uint8Array;
  /** Kept instances, highest confidence first. */
  instances: SegmentInstance[];
}

/** Components of `isClass` pixels, with the mean of `prob(i)` as confidence; writes kept pixels to `mask`. */
function collectInstances(
  width: number,
  height: number,
  isClass: (i: number) => boolean,
  prob: (i: number) => number,
  classIndex: number,
  label: string,
  rules: InstanceRules,
  mask: Uint8Array,
): SegmentInstance[] {
  const { labels, components } = labelComponents(width, height, isClass);
  const sums = new Float64Array(components.length + 1);
  for (let i = 0; i < labels.length; i++) if (labels[i] > 0) sums[labels[i]] += prob(i);
  const kept: SegmentInstance[] = [];
  const keep = new Uint8Array(components.length + 1);
  for (const c of components) {
    const confidence = sums[c.id] / c.areaPx;
    if (confidence < rules.confidenceThreshold) continue;
    keep[c.id] = 1;
    const inside = (x: number, y: number) =>
      x >= 0 && y >= 0 && x < width && y < height && labels[y * width + x] === c.id;
    const contour = traceOuterContour(c.startX, c.startY, inside);
    kept.push({
      classIndex,
      label,
      confidence,
      areaPx: c.areaPx,
      box: { x: c.minX, y: c.minY, width: c.maxX - c.minX + 1, height: c.maxY - c.minY + 1 },
      polygon: simplifyClosedPolygon(contour, rules.simplifyTolerancePx),
    });
  }
  for (let i = 0; i < labels.length; i++) if (keep[labels[i]]) mask[i] = 255;
  return kept;
}

const byConfidence = (a: SegmentInstance, b: SegmentInstance) => b.confidence - a.confidence;

/** Binary head: `probability` is the sigmoid output, width*height. */
export function decodeBinarySegmentation(
  probability: Float32Array,
  width: number,
  height: number,
  label: string,
  rules: InstanceRules,
): DecodedSegmentation {
  checkLength(probability.length, width * height);
  const mask = new Uint8Array(width * height);
  const instances = collectInstances(
    width,
    height,
    (i) => probability[i] > rules.pixelThreshold,
    (i) => probability[i],
    0,
    label,
    rules,
    mask,
  );
  return { probability, labels: null, mask, instances: instances.sort(byConfidence) };
}

/**
 * Multi-class head: `scores` is the softmax output, pixel-interleaved (HWC) with channel 0 =
 * background and channel k + 1 = `classes[k]`. Each pixel takes its arg-max class (ties: lowest
 * channel, so background wins a tie); instances are the components of each class separately.
 */
export function decodeMultiClassSegmentation(
  scores: Float32Array,
  width: number,
  height: number,
  classes: readonly string[],
  rules: InstanceRules,
): DecodedSegmentation {
  const channels = classes.length + 1;
  const n = width * height;
  checkLength(scores.length, n * channels);
  const labels = new Int16Array(n);
  const probability = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    let fgMax = 0;
    for (let c = 1; c < channels; c++) {
      const s = scores[i * channels + c];
      if (s > scores[i * channels + best]) best = c;
      if (s > fgMax) fgMax = s;
    }
    labels[i] = best - 1;
    probability[i] = fgMax;
  }
  const mask = new Uint8Array(n);
  const instances: SegmentInstance[] = [];
  for (let k = 0; k < classes.length; k++) {
    const found = collectInstances(
      width,
      height,
      (i) => labels[i] === k,
      (i) => scores[i * channels + k + 1],
      k,
      classes[k],
      rules,
      mask,
    );
    instances.push(...found);
  }
  // Keep labels consistent with the mask: pixels of dropped instances become background.
  for (let i = 0; i < n; i++) if (mask[i] === 0) labels[i] = -1;
  return { probability, labels, mask, instances: instances.sort(byConfidence) };
}

function checkLength(actual: number, expected: number): void {
  if (actual !== expected) {
    throw new RangeError(`segmentation output has ${actual} values, expected ${expected}`);
  }
}
