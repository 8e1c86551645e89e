import path from 'node:path';
import type { DatasetManifest } from '@ropline/datasets';
import { barChart, writeChartPng } from '@ropline/plot';
import type { HeldOutEvaluation, RetrainMetrics } from '@ropline/registry';
import type { PipelineEvaluation } from '../evaluate.js';
import type { FitState } from '../fit-loop.js';
import { writeFilesAtomically } from '../files.util.js';
import type { TrainingProfile } from '../profiles.js';

export const RETRAIN_REPORT_MD = 'retrain-report.md';
export const RETRAIN_REPORT_JSON = 'retrain-report.json';
export const RETRAIN_CHART = 'retrain-comparison.png';
/** Written into the candidate pipeline dir; registered beside it as attachments. */
export const RETRAIN_REPORT_FILES = [RETRAIN_REPORT_MD, RETRAIN_REPORT_JSON, RETRAIN_CHART] as const;

export interface RetrainReportInput {
  from: 'active' | 'scratch';
  profile: TrainingProfile;
  seed: number;
  fineTuneLrFactor: number | null;
  dataset: {
    dir: string;
    sourceDir: string;
    sourceHash: string;
    splitHere: boolean;
    manifest: DatasetManifest;
  };
  activeDir: string;
  metrics: RetrainMetrics;
  evaluations: { candidate: PipelineEvaluation; active: PipelineEvaluation };
  training: { segmenter: FitState; classifier: FitState };
}

const f3 = (x: number) => x.toFixed(3);
const ci = (m: { estimate: number; lower: number; upper: number } | null) =>
  m ? `${f3(m.estimate)} [${f3(m.lower)}, ${f3(m.upper)}]` : '—';
const delta = (a: number, b: number) => `${a - b >= 0 ? '+' : ''}${f3(a - b)}`;

const ROWS: [string, (e: HeldOutEvaluation) => { estimate: number; lower: number; upper: number } | null][] =
  [
    ['accuracy', (e) => e.accuracy],
    ['macro F1', (e) => e.macroF1],
    ['quadratic kappa', (e) => e.kappaQuadratic],
    ['line Dice', (e) => e.lineDice],
  ];

/** The side-by-side table (markdown): metric, candidate (95 % CI), active (95 % CI), difference. */
export function retrainTable(m: RetrainMetrics): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [
    line([
      'metric (held-out)',
      `candidate ${m.candidate.pipeline.version} (95 % CI)`,
      `active ${m.active.pipeline.version} (95 % CI)`,
      'difference',
    ]),
    line(['---', '---', '---', '---']),
    ...ROWS.map(([label, get]) => {
      const c = get(m.candidate);
      const a = get(m.active);
      return line([label, ci(c), ci(a), c && a ? delta(c.estimate, a.estimate) : '—']);
    }),
  ].join('\n');
}

/** Console form of the same table (fixed-width columns). */
export function retrainSummary(m: RetrainMetrics): string {
  const rows = [
    ['metric (held-out)', 'candidate (95 % CI)', 'active (95 % CI)', 'difference'],
    ...ROWS.map(([label, get]) => {
      const c = get(m.candidate);
      const a = get(m.active);
      return [label, ci(c), ci(a), c && a ? delta(c.estimate, a.estimate) : '—'];
    }),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const h = m.heldOut;
  return [
    `candidate ${m.candidate.pipeline.name}@${m.candidate.pipeline.version} vs active ${m.active.pipeline.name}@${m.active.pipeline.version}`,
    `held-out: ${h.split} split, ${h.items.length} images, ${h.infants.length} infants, dataset ${h.datasetHash.slice(0, 8)}`,
    ...rows.map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    ),
  ].join('\n');
}

function confusion(e: PipelineEvaluation): string {
  const { labels, matrix } = e.report.confusion;
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [
    line(['true \\ predicted', ...labels]),
    line(labels.map(() => '---').concat('---')),
    ...matrix.map((r, i) => line([labels[i], ...r])),
  ].join('\n');
}

function trainingLine(label: string, s: FitState): string {
  const best = s.history.find((h) => h.epoch === s.bestEpoch);
  return `- ${label}: ${s.status} after ${s.epoch} epoch(s), best epoch ${s.bestEpoch} (validation loss ${best ? best.valLoss.toFixed(4) : '—'})`;
}

/** retrain-report.md + retrain-report.json + retrain-comparison.png into `dir` (the candidate). */
export async function writeRetrainReport(dir: string, r: RetrainReportInput): Promise<void> {
  const m = r.metrics;
  await writeChartPng(
    path.join(dir, RETRAIN_CHART),
    barChart({
      title: `Candidate vs active on the same held-out set (${m.heldOut.items.length} images)`,
      yLabel: 'score',
      categories: ROWS.map(([label]) => label),
      series: [
        {
          name: 'candidate',
          values: ROWS.map(([, g]) => g(m.candidate)?.estimate ?? 0),
        },
        {
          name: 'active',
          values: ROWS.map(([, g]) => g(m.active)?.estimate ?? 0),
        },
      ],
    }),
  );
  const ds = r.dataset.manifest;
  const p = r.profile;
  const md = [
    `# Retraining report: ${m.candidate.pipeline.name}@${m.candidate.pipeline.version}`,
    '',
    `Candidate ${r.from === 'active' ? `fine-tuned from the active pipeline (learning rate x${r.fineTuneLrFactor})` : 'trained from scratch'} ` +
      `on dataset **${ds.name}** (hash \`${ds.hash.slice(0, 16)}\`${r.dataset.splitHere ? `, split 6:3:1 by infant here from snapshot \`${r.dataset.sourceHash.slice(0, 16)}\`` : ''}; ` +
      `train ${ds.counts.bySplit['train'] ?? 0}, validation ${ds.counts.bySplit['validation'] ?? 0}, test ${ds.counts.bySplit['test'] ?? 0}), ` +
      `profile \`${p.name}\` (segmenter ${p.segmenter.optimizer.type} lr ${p.segmenter.optimizer.learningRate}, ${p.segmenter.epochs} epochs; ` +
      `classifier ${p.classifier.optimizer.type} lr ${p.classifier.optimizer.learningRate}, ${p.classifier.epochs} epochs, ${p.inputSize}x${p.inputSize}), seed ${r.seed}. ` +
      `Active pipeline: ${m.active.pipeline.name}@${m.active.pipeline.version} (\`${r.activeDir}\`).`,
    '',
    `Both pipelines were run end to end (\`analyze\`, as a worker does) on the **same held-out items**: the ${m.heldOut.split} split, ` +
      `${m.heldOut.items.length} original images of ${m.heldOut.infants.length} infants (stages ${m.heldOut.stages.join(', ')}; held-out fingerprint \`${m.heldOut.fingerprint.slice(0, 16)}\`). ` +
      `95 % CIs: percentile bootstrap resampling infants (${m.heldOut.bootstrap.iterations} resamples, seed ${m.heldOut.bootstrap.seed}).`,
    '',
    retrainTable(m),
    '',
    `![candidate vs active](${RETRAIN_CHART})`,
    '',
    '## Training',
    '',
    trainingLine('segmenter', r.training.segmenter),
    trainingLine('hybrid classifier (on the candidate segmenter’s predicted masks)', r.training.classifier),
    '',
    '## Confusion matrices (held-out; rows = true stage)',
    '',
    '### Candidate',
    '',
    confusion(r.evaluations.candidate),
    '',
    '### Active',
    '',
    confusion(r.evaluations.active),
    '',
    'Promotion: `rop models promote NAME VERSION` applies the metric gate (macro F1 and quadratic kappa ' +
      'no more than the margin below the active version on this held-out set); `--force --reason` overrides it, audited.',
    '',
  ];
  const json = {
    format: 'ropline-retrain-report/1',
    from: r.from,
    seed: r.seed,
    fineTuneLrFactor: r.fineTuneLrFactor,
    profile: r.profile,
    dataset: {
      dir: r.dataset.dir,
      name: ds.name,
      hash: ds.hash,
      counts: ds.counts,
      source: { dir: r.dataset.sourceDir, hash: r.dataset.sourceHash },
      splitHere: r.dataset.splitHere,
    },
    activeDir: r.activeDir,
    metrics: m,
    training: {
      segmenter: {
        status: r.training.segmenter.status,
        epoch: r.training.segmenter.epoch,
        bestEpoch: r.training.segmenter.bestEpoch,
      },
      classifier: {
        status: r.training.classifier.status,
        epoch: r.training.classifier.epoch,
        bestEpoch: r.training.classifier.bestEpoch,
      },
    },
    evaluations: r.evaluations,
  };
  await writeFilesAtomically(dir, {
    [RETRAIN_REPORT_MD]: md.join('\n'),
    [RETRAIN_REPORT_JSON]: `${JSON.stringify(json, null, 2)}\n`,
  });
}
