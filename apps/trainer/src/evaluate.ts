import { RopError, type Image8, type PluginContext } from '@ropline/core';
import type { LoadedDataset, Split, Stage } from '@ropline/datasets';
import {
  averagePrecision,
  bootstrapCi,
  classificationReport,
  cohenKappa,
  dice,
  type ClassificationReport,
  type BootstrapResult as ConfidenceInterval,
  type Detection,
  type DetectionTruth,
  type ApResult,
} from '@ropline/metrics';
import { prCurveChart } from '@ropline/plot';
import { maskToImageSize, NO_LINE, type StagingPipeline } from '@ropline/models';
import { readImageFile, toGray } from '@ropline/preprocess';
import { predictedLines, truthLines } from './detections.js';
import { insideDataset } from './files.util.js';
import { selectItems, stageLabel } from './training-data.js';

/** One test image: truth, what the pipeline said, and how well its line matched. */
export interface ItemPrediction {
  id: string;
  infant: string;
  truth: string;
  predicted: string;
  probabilities: Record<string, number>;
  /** Dice of the predicted line mask (kept instances) vs the annotation, at the image's size. */
  dice: number | null;
}

export interface PipelineEvaluation {
  pipeline: { kind: string; models: { kind: string; name: string; version: string }[] };
  split: Split;
  /** The graded classes (stage labels); `labels` adds 'stage0' when a pipeline answers "no ROP". */
  classes: string[];
  labels: string[];
  items: ItemPrediction[];
  report: ClassificationReport;
  /** 95 % bootstrap intervals, resampling infants. */
  ci: { accuracy: ConfidenceInterval; macroF1: ConfidenceInterval; kappaQuadratic: ConfidenceInterval };
  segmentation: {
    dice: { mean: number; ci: ConfidenceInterval };
    /** Line detection AP at IoU 0.5 (class-agnostic), box and mask IoU, with the PR points. */
    ap: { box: ApResult; mask: ApResult };
  } | null;
}

export interface EvaluateOptions {
  split: Split;
  stages: Stage[];
  bootstrap: { iterations: number; seed: number };
  onProgress?(done: number, total: number): void;
  ctx: PluginContext;
}

async function readMask(file: string): Promise<Image8> {
  const m = await readImageFile(file);
  return m.channels === 1 ? m : toGray(m);
}

/** Macro F1 over the graded classes only (a 'stage0' column added for "no line" is not graded). */
function macroF1(r: ClassificationReport, classes: readonly string[]): number {
  return classes.reduce((s, c) => s + (r.perClass[c]?.f1 ?? 0), 0) / classes.length;
}

/**
 * Runs a staging pipeline end to end (the same `analyze` a gateway worker calls, from the image
 * file) over the original (non-augmented) items of one split and scores it: the paper's Table II
 * columns, Cohen's kappa, confusion matrix, bootstrap CIs by infant, and — when it segments —
 * Dice and line-detection AP@0.5 (Fig. 5).
 */
export async function evaluatePipeline(
  pipeline: StagingPipeline,
  ds: LoadedDataset,
  o: EvaluateOptions,
): Promise<PipelineEvaluation> {
  const items = selectItems(ds, { split: o.split, stages: o.stages, originalsOnly: true });
  if (items.length === 0)
    throw new RopError('TRAIN.NO_DATA', `${ds.dir} has no ${o.split} items of stages ${o.stages.join(',')}`);
  const classes = o.stages.map(stageLabel);
  const predictions: ItemPrediction[] = [];
  const truths: DetectionTruth[] = [];
  const detections: Detection[] = [];
  let segments = false;
  for (const it of items) {
    const image = await readImageFile(insideDataset(ds.dir, it.image));
    const r = await pipeline.analyze(image);
    const predicted = r.stage === NO_LINE ? stageLabel(0) : r.stage;
    let d: number | null = null;
    if (r.segmentation && r.maskAtInputSize) {
      segments = true;
      const gt = it.mask ? await readMask(insideDataset(ds.dir, it.mask)) : null;
      if (gt) {
        d = dice(r.maskAtInputSize, gt);
        const seg = r.segmentation;
        const gtSmall = maskToImageSize(gt, seg.width, seg.height);
        for (const t of truthLines(gtSmall))
          truths.push({ imageId: it.id, label: 'line', box: t.box, mask: t.mask });
        for (const p of predictedLines(seg.probability, seg.width, seg.height))
          detections.push({
            imageId: it.id,
            label: 'line',
            confidence: p.confidence,
            box: p.box,
            mask: p.mask,
          });
      }
    }
    predictions.push({
      id: it.id,
      infant: it.infant,
      truth: stageLabel(it.stage as Stage),
      predicted,
      probabilities: r.probabilities,
      dice: d,
    });
    o.onProgress?.(predictions.length, items.length);
  }
  const extra = predictions.some((p) => !classes.includes(p.predicted)) ? [stageLabel(0)] : [];
  const labels = [...extra, ...classes];
  const truth = predictions.map((p) => p.truth);
  const pred = predictions.map((p) => p.predicted);
  const report = classificationReport(truth, pred, { labels });
  report.macro.f1 = macroF1(report, classes);
  const { iterations, seed } = o.bootstrap;
  const ciOf = (stat: (s: ItemPrediction[]) => number) =>
    bootstrapCi(predictions, (p) => p.infant, stat, { iterations, seed });
  const sub = (s: ItemPrediction[]) => [s.map((p) => p.truth), s.map((p) => p.predicted)] as const;
  const ci = {
    accuracy: ciOf((s) => s.filter((p) => p.truth === p.predicted).length / s.length),
    macroF1: ciOf((s) => macroF1(classificationReport(...sub(s), { labels }), classes)),
    kappaQuadratic: ciOf((s) => cohenKappa(...sub(s), { labels, weights: 'quadratic' })),
  };
  let segmentation: PipelineEvaluation['segmentation'] = null;
  if (segments) {
    const withDice = predictions.filter((p) => p.dice !== null);
    const diceCi = bootstrapCi(
      withDice,
      (p) => p.infant,
      (s) => s.reduce((a, p) => a + (p.dice ?? 0), 0) / s.length,
      { iterations, seed },
    );
    segmentation = {
      dice: { mean: diceCi.estimate, ci: diceCi },
      ap: {
        box: averagePrecision(truths, detections, { iouThreshold: 0.5, iou: 'box' }),
        mask: averagePrecision(truths, detections, { iouThreshold: 0.5, iou: 'mask' }),
      },
    };
  }
  return {
    pipeline: { kind: pipeline.kind, models: pipeline.models.map((m) => ({ ...m })) },
    split: o.split,
    classes,
    labels,
    items: predictions,
    report,
    ci,
    segmentation,
  };
}

/** The line detector's precision-recall curves (mask and box IoU) as one chart, like the paper's Fig. 5. */
export function linePrChart(title: string, ap: { box: ApResult; mask: ApResult }): string {
  const curve = (name: string, r: ApResult) => ({ name, precision: r.precision, recall: r.recall, ap: r.ap });
  return prCurveChart({ title, curves: [curve('mask IoU', ap.mask), curve('box IoU', ap.box)] });
}
