import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { DatasetManifest } from '@ropline/datasets';
import type { PipelineKind } from '@ropline/models';
import { barChart, confusionMatrixChart, writeChartPng } from '@ropline/plot';
import { linePrChart, type PipelineEvaluation } from './evaluate.js';
import { writeFilesAtomically } from './files.util.js';
import type { ExperimentOptions } from './experiment.js';
import { PAPER_LINE_AP, PAPER_REFERENCE } from './paper-reference.js';

export interface ExperimentReportInput {
  options: ExperimentOptions;
  dataset: DatasetManifest;
  evaluations: Record<PipelineKind, PipelineEvaluation>;
}

const ARMS: PipelineKind[] = ['hybrid', 'classifier-only', 'segmentation-only'];
const TITLES: Record<PipelineKind, string> = {
  hybrid: 'Hybrid',
  'classifier-only': 'Classifier-only',
  'segmentation-only': 'Segmentation-only',
};

const f2 = (x: number) => x.toFixed(2);
const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
const ci = (c: { lower: number; upper: number }) => `[${f2(c.lower)}, ${f2(c.upper)}]`;

function table(header: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

function tableII(e: Record<PipelineKind, PipelineEvaluation>): string {
  const classes = e.hybrid.classes;
  const header = ['', ...ARMS.flatMap((a) => [`${TITLES[a]} P`, 'R', 'F1'])];
  const rows = classes.map((c) => [
    c,
    ...ARMS.flatMap((a) => {
      const p = e[a].report.perClass[c];
      return [f2(p.precision), f2(p.recall), f2(p.f1)];
    }),
  ]);
  rows.push(['accuracy', ...ARMS.flatMap((a) => ['', f2(e[a].report.accuracy), ''])]);
  rows.push(['accuracy 95 % CI', ...ARMS.flatMap((a) => ['', ci(e[a].ci.accuracy), ''])]);
  rows.push([
    'macro F1 (95 % CI)',
    ...ARMS.flatMap((a) => ['', '', `${f2(e[a].report.macro.f1)} ${ci(e[a].ci.macroF1)}`]),
  ]);
  rows.push([
    'kappa quadratic (95 % CI)',
    ...ARMS.flatMap((a) => ['', '', `${f2(e[a].report.kappa.quadratic)} ${ci(e[a].ci.kappaQuadratic)}`]),
  ]);
  rows.push([
    'kappa linear / unweighted',
    ...ARMS.flatMap((a) => ['', '', `${f2(e[a].report.kappa.linear)} / ${f2(e[a].report.kappa.none)}`]),
  ]);
  return table(header, rows);
}

function paperTableII(): string {
  const classes = ['stage1', 'stage2', 'stage3'];
  const header = ['', ...ARMS.flatMap((a) => [`${TITLES[a]} P`, 'R', 'F1'])];
  const rows = classes.map((c) => [
    c,
    ...ARMS.flatMap((a) => {
      const p = PAPER_REFERENCE[a].perClass[c];
      return [f2(p.precision), f2(p.recall), f2(p.f1)];
    }),
  ]);
  rows.push(['accuracy', ...ARMS.flatMap((a) => ['', f2(PAPER_REFERENCE[a].accuracy), ''])]);
  return table(header, rows);
}

function confusionTable(labels: string[], matrix: number[][], rows = labels): string {
  return table(
    ['true \\ predicted', ...labels],
    matrix.map((r, i) => [rows[i], ...r]),
  );
}

/**
 * report.md + report.json + PNGs (Table II with CIs, confusion matrices III-V, Fig. 5's PR curve,
 * F1 per stage per arm), the paper's published figures beside ours, clearly labelled.
 */
export async function writeExperimentReport(out: string, r: ExperimentReportInput): Promise<void> {
  const e = r.evaluations;
  const figs = path.join(out, 'figures');
  await mkdir(figs, { recursive: true });
  for (const a of ARMS) {
    await writeChartPng(
      path.join(figs, `confusion-${a}.png`),
      confusionMatrixChart({
        title: `${TITLES[a]}: confusion matrix (test)`,
        labels: e[a].report.confusion.labels,
        matrix: e[a].report.confusion.matrix,
      }),
    );
  }
  const seg = e.hybrid.segmentation;
  if (seg) {
    await writeChartPng(
      path.join(figs, 'pr-curve-line-segmenter.png'),
      linePrChart('Hybrid line segmenter: precision-recall at IoU 0.5 (Fig. 5)', seg.ap),
    );
  }
  await writeChartPng(
    path.join(figs, 'f1-per-stage.png'),
    barChart({
      title: 'F1 per stage (test)',
      yLabel: 'F1',
      yRange: [0, 1],
      categories: e.hybrid.classes,
      series: ARMS.map((a) => ({
        name: TITLES[a],
        values: e[a].classes.map((c) => e[a].report.perClass[c].f1),
      })),
    }),
  );

  const ds = r.dataset;
  const md: string[] = [
    `# ROP staging experiment: hybrid vs classifier-only vs segmentation-only`,
    '',
    `Dataset **${ds.name}** (hash \`${ds.hash.slice(0, 16)}\`, ${ds.counts.total} items; train ${ds.counts.bySplit['train'] ?? 0}, validation ${ds.counts.bySplit['validation'] ?? 0}, test ${ds.counts.bySplit['test'] ?? 0}), ` +
      `profile \`${r.options.profile.name}\` (${r.options.profile.description}), seed ${r.options.seed}, stages ${r.options.stages.join(', ')}. ` +
      `Test images: ${e.hybrid.items.length} originals (augmented copies are never evaluated). Confidence intervals: 95 % percentile bootstrap over infants (${r.options.bootstrapIterations} resamples).`,
    '',
    '## Table II (ours): test performance of the three architectures',
    '',
    tableII(e),
    '',
    '![F1 per stage](figures/f1-per-stage.png)',
    '',
    '## Confusion matrices (ours; rows = true stage, columns = prediction; `stage0` = no ROP / no line found)',
    '',
    ...ARMS.flatMap((a) => [
      `### ${TITLES[a]}`,
      '',
      confusionTable(e[a].report.confusion.labels, e[a].report.confusion.matrix),
      '',
      `![${TITLES[a]} confusion matrix](figures/confusion-${a}.png)`,
      '',
    ]),
    "## Line segmentation (the hybrid's single-class segmenter)",
    '',
    seg
      ? table(
          ['metric', 'ours', 'paper (Fig. 5, different data)'],
          [
            ['AP at IoU 0.5, mask IoU', pct(seg.ap.mask.ap), pct(PAPER_LINE_AP)],
            ['AP at IoU 0.5, box IoU', pct(seg.ap.box.ap), ''],
            ['Dice per image, mean (95 % CI)', `${f2(seg.dice.mean)} ${ci(seg.dice.ci)}`, ''],
            [
              'line instances (truth / detected)',
              `${seg.ap.mask.truthCount} / ${seg.ap.mask.tp + seg.ap.mask.fp}`,
              '',
            ],
          ],
        )
      : 'no segmenter',
    '',
    seg ? '![PR curve](figures/pr-curve-line-segmenter.png)' : '',
    '',
    e['segmentation-only'].segmentation
      ? `Segmentation-only (multi-class) lines, class-agnostic: Dice ${f2(e['segmentation-only'].segmentation.dice.mean)}, AP@0.5 mask ${pct(e['segmentation-only'].segmentation.ap.mask.ap)}.`
      : '',
    '',
    "## The paper's published figures (for reference only: measured on the authors' clinical images, not this data)",
    '',
    paperTableII(),
    '',
    ...ARMS.flatMap((a) => [
      `${TITLES[a]} (${PAPER_REFERENCE[a].table}):`,
      '',
      confusionTable(PAPER_REFERENCE[a].labels, PAPER_REFERENCE[a].confusion, PAPER_REFERENCE[a].rows),
      '',
    ]),
    `Hybrid line segmenter AP at IoU 0.5: ${pct(PAPER_LINE_AP)} (Fig. 5).`,
    '',
    '## Models',
    '',
    table(
      ['pipeline', 'models (kind name version)'],
      ARMS.map((a) => [a, e[a].pipeline.models.map((m) => `${m.kind} ${m.name} ${m.version}`).join('; ')]),
    ),
    '',
  ];
  const json = {
    format: 'ropline-experiment-report/1',
    options: { ...r.options, profile: r.options.profile },
    dataset: { name: ds.name, hash: ds.hash, counts: ds.counts },
    results: Object.fromEntries(ARMS.map((a) => [a, { ...e[a], items: e[a].items }])),
    paper: {
      arms: PAPER_REFERENCE,
      lineAp: PAPER_LINE_AP,
      note: 'published figures, measured on different data',
    },
  };
  await writeFilesAtomically(out, {
    'report.md': md.join('\n'),
    'report.json': `${JSON.stringify(json, null, 2)}\n`,
  });
}

/** Console summary of an experiment: accuracy, macro F1 and quadratic kappa per arm. */
export function experimentSummary(r: {
  evaluations: Partial<Record<PipelineKind, PipelineEvaluation>>;
}): string {
  return ARMS.filter((a) => r.evaluations[a])
    .map((a) => {
      const e = r.evaluations[a]!;
      return `${TITLES[a].padEnd(18)} accuracy ${f2(e.report.accuracy)} ${ci(e.ci.accuracy)}  macro F1 ${f2(e.report.macro.f1)}  kappa(q) ${f2(e.report.kappa.quadratic)}${e.segmentation ? `  line Dice ${f2(e.segmentation.dice.mean)}  AP@0.5 ${f2(e.segmentation.ap.mask.ap)}` : ''}`;
    })
    .join('\n');
}
