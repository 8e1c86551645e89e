import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { RopError } from '@ropline/core';
import { readDataset } from '@ropline/datasets';
import {
  createStagingPipeline,
  loadModel,
  loadPipeline,
  PIPELINE_MANIFEST_FILE,
  type Classifier,
  type Segmenter,
  type StagingPipeline,
} from '@ropline/models';
import { confusionMatrixChart, writeChartPng } from '@ropline/plot';
import { writeFilesAtomically } from './files.util.js';
import { evaluatePipeline, linePrChart, type EvaluateOptions, type PipelineEvaluation } from './evaluate.js';

/**
 * A pipeline directory as it is; a single model artifact as the pipeline it can run alone
 * (a 1-channel classifier = classifier-only, a multi-class segmenter = segmentation-only).
 */
async function openForEvaluation(dir: string, o: EvaluateOptions): Promise<StagingPipeline> {
  const isPipeline = await readFile(path.join(dir, PIPELINE_MANIFEST_FILE)).then(
    () => true,
    () => false,
  );
  if (isPipeline) return loadPipeline(dir, o.ctx);
  const { model } = await loadModel(dir, o.ctx);
  const info = model.info;
  if (info.kind === 'classifier' && info.inputChannels === 1)
    return createStagingPipeline('classifier-only', { classifier: model as Classifier });
  if (info.kind === 'segmenter' && info.classes.length > 1)
    return createStagingPipeline('segmentation-only', { segmenter: model as Segmenter });
  model.dispose();
  throw new RopError(
    'TRAIN.BAD_OPTION',
    `${dir} is a ${info.kind === 'segmenter' ? 'line segmenter' : 'hybrid classifier'}: it stages only inside a hybrid pipeline; evaluate the pipeline directory (e.g. <experiment>/pipelines/hybrid)`,
  );
}

export async function evaluateModelDir(
  dir: string,
  data: string,
  o: EvaluateOptions,
): Promise<PipelineEvaluation> {
  const ds = await readDataset(data);
  const pipeline = await openForEvaluation(dir, o);
  try {
    return await evaluatePipeline(pipeline, ds, o);
  } finally {
    pipeline.dispose();
  }
}

const f3 = (x: number) => x.toFixed(3);

/** A few readable lines: accuracy, macro F1, kappa with CIs, per class, Dice and AP. */
export function evaluationSummary(e: PipelineEvaluation): string {
  const r = e.report;
  const lines = [
    `${e.pipeline.kind} (${e.pipeline.models.map((m) => `${m.name} ${m.version}`).join(', ')}) on ${e.items.length} ${e.split} images`,
    `accuracy ${f3(r.accuracy)} [${f3(e.ci.accuracy.lower)}, ${f3(e.ci.accuracy.upper)}]  macro F1 ${f3(r.macro.f1)} [${f3(e.ci.macroF1.lower)}, ${f3(e.ci.macroF1.upper)}]  kappa quadratic ${f3(r.kappa.quadratic)} [${f3(e.ci.kappaQuadratic.lower)}, ${f3(e.ci.kappaQuadratic.upper)}]`,
    ...e.classes.map(
      (c) =>
        `  ${c}: precision ${f3(r.perClass[c].precision)} recall ${f3(r.perClass[c].recall)} F1 ${f3(r.perClass[c].f1)} (n=${r.perClass[c].support})`,
    ),
  ];
  if (e.segmentation)
    lines.push(
      `line Dice ${f3(e.segmentation.dice.mean)}  AP@0.5 mask ${f3(e.segmentation.ap.mask.ap)} box ${f3(e.segmentation.ap.box.ap)}`,
    );
  return lines.join('\n');
}

/** `rop evaluate --out`: report.md, report.json, the confusion matrix and PR curve PNGs. */
export async function writeEvaluationReport(out: string, e: PipelineEvaluation): Promise<void> {
  await mkdir(out, { recursive: true });
  await writeChartPng(
    path.join(out, 'confusion.png'),
    confusionMatrixChart({
      title: `${e.pipeline.kind}: confusion matrix (${e.split})`,
      labels: e.report.confusion.labels,
      matrix: e.report.confusion.matrix,
    }),
  );
  if (e.segmentation) {
    await writeChartPng(
      path.join(out, 'pr-curve.png'),
      linePrChart('Line detection: precision-recall at IoU 0.5', e.segmentation.ap),
    );
  }
  const md = [
    `# Evaluation: ${e.pipeline.kind}`,
    '',
    '```',
    evaluationSummary(e),
    '```',
    '',
    '![confusion matrix](confusion.png)',
    e.segmentation ? '\n![PR curve](pr-curve.png)' : '',
    '',
  ].join('\n');
  await writeFilesAtomically(out, { 'report.md': md, 'report.json': `${JSON.stringify(e, null, 2)}\n` });
}
