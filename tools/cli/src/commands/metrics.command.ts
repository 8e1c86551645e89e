import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { RopError } from '@ropline/core';
import {
  classificationReport,
  meanAveragePrecision,
  rocAucOneVsRest,
  type Box,
  type Detection,
  type DetectionTruth,
} from '@ropline/metrics';
import { runCommand } from '../run-command.js';
import { markdownTable } from '../timing.js';

const bad = (message: string) => new RopError('METRICS.INVALID_INPUT', message);

/** A plain CSV (no quoted fields): header + rows, cells trimmed, blank lines skipped. */
async function readCsv(file: string): Promise<{ header: string[]; rows: string[][] }> {
  const text = (await readFile(file, 'utf8')).replace(/^\uFEFF/, '');
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length === 0) throw bad(`${file}: empty CSV`);
  const split = (l: string) => l.split(',').map((c) => c.trim());
  const header = split(lines[0]);
  const rows = lines.slice(1).map(split);
  rows.forEach((r, i) => {
    if (r.length !== header.length) {
      throw bad(`${file}: line ${i + 2} has ${r.length} cells, the header has ${header.length}`);
    }
  });
  if (header[0] !== 'id' || header[1] !== 'label') throw bad(`${file}: header must start with id,label`);
  return { header, rows };
}

function byId(file: string, rows: string[][]): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const r of rows) {
    if (map.has(r[0])) throw bad(`${file}: duplicate id "${r[0]}"`);
    map.set(r[0], r);
  }
  return map;
}

const fmt = (v: number | null) => (v === null || Number.isNaN(v) ? 'n/a' : v.toFixed(4));
const some = (ids: string[]) => ids.slice(0, 5).join(', ') + (ids.length > 5 ? ', ...' : '');

async function classification(opts: { truth: string; pred: string; json?: boolean }): Promise<void> {
  const truthCsv = await readCsv(opts.truth);
  const predCsv = await readCsv(opts.pred);
  const truthById = byId(opts.truth, truthCsv.rows);
  const predById = byId(opts.pred, predCsv.rows);
  const missing = [...truthById.keys()].filter((id) => !predById.has(id));
  const extra = [...predById.keys()].filter((id) => !truthById.has(id));
  if (missing.length) throw bad(`${missing.length} id(s) without a prediction: ${some(missing)}`);
  if (extra.length) throw bad(`${extra.length} predicted id(s) not in the truth: ${some(extra)}`);
  const ids = [...truthById.keys()];
  const truth = ids.map((id) => truthById.get(id)![1]);
  const pred = ids.map((id) => predById.get(id)![1]);
  const scoreLabels = predCsv.header.slice(2);
  const labels = scoreLabels.length ? scoreLabels : undefined;
  const report = classificationReport(truth, pred, { labels });
  let auc: ReturnType<typeof rocAucOneVsRest> | undefined;
  if (labels) {
    const scores = ids.map((id) =>
      predById
        .get(id)!
        .slice(2)
        .map((cell) => {
          const v = cell === '' ? NaN : Number(cell);
          if (!Number.isFinite(v)) throw bad(`${opts.pred}: id "${id}": score "${cell}" is not a number`);
          return v;
        }),
    );
    auc = rocAucOneVsRest(truth, scores, labels);
  }
  const out = { ...report, ...(auc ? { auc } : {}) };
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(out)}\n`);
    return;
  }
  const { labels: order, matrix } = report.confusion;
  const rows = order.map((l) => {
    const c = report.perClass[l];
    const cells = [l, fmt(c.precision), fmt(c.recall), fmt(c.f1), String(c.support)];
    return auc ? [...cells, fmt(auc.perClass[l])] : cells;
  });
  const avg = (name: string, a: { precision: number; recall: number; f1: number }, aucCell: string) => {
    const cells = [name, fmt(a.precision), fmt(a.recall), fmt(a.f1), String(truth.length)];
    return auc ? [...cells, aucCell] : cells;
  };
  rows.push(avg('macro', report.macro, fmt(auc?.macro ?? null)), avg('weighted', report.weighted, ''));
  const header = ['class', 'precision', 'recall', 'F1', 'support', ...(auc ? ['ROC AUC (OvR)'] : [])];
  const lines = [
    `accuracy ${fmt(report.accuracy)} (n = ${truth.length}); Cohen's kappa: ` +
      `unweighted ${fmt(report.kappa.none)}, linear ${fmt(report.kappa.linear)}, quadratic ${fmt(report.kappa.quadratic)}`,
    '',
    markdownTable(header, rows),
    '',
    'confusion matrix (rows = truth, columns = prediction):',
    '',
    markdownTable(
      ['truth \\ pred', ...order],
      order.map((l, i) => [l, ...matrix[i].map(String)]),
    ),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** Cartucho/mAP text format: `class [confidence] left top right bottom`; class names may contain spaces. */
function parseBoxLine(
  line: string,
  withConfidence: boolean,
  where: string,
): { label: string; conf: number; box: Box } {
  const tokens = line.trim().split(/\s+/);
  const numbers = withConfidence ? 5 : 4;
  if (tokens.length < numbers + 1)
    throw bad(`${where}: expected "class ${withConfidence ? 'confidence ' : ''}left top right bottom"`);
  const values = tokens.slice(-numbers).map(Number);
  if (values.some((v) => !Number.isFinite(v))) throw bad(`${where}: not a number in "${line.trim()}"`);
  const label = tokens.slice(0, -numbers).join(' ');
  const box = values.slice(-4) as Box;
  return { label, conf: withConfidence ? values[0] : 1, box };
}

async function readBoxDir(
  dir: string,
  withConfidence: boolean,
): Promise<Map<string, { label: string; conf: number; box: Box }[]>> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.txt')).sort();
  const out = new Map<string, { label: string; conf: number; box: Box }[]>();
  for (const f of files) {
    const text = await readFile(path.join(dir, f), 'utf8');
    const lines = text.split(/\r?\n/);
    const items = lines.flatMap((l, i) =>
      l.trim() ? [parseBoxLine(l, withConfidence, `${f}:${i + 1}`)] : [],
    );
    out.set(f.slice(0, -4), items);
  }
  return out;
}

async function detection(opts: {
  truth: string;
  pred: string;
  iou: number;
  iouKind: string;
  json?: boolean;
}): Promise<void> {
  if (opts.iouKind !== 'box')
    throw bad(`--iou-kind ${opts.iouKind}: only "box" is supported by the text format`);
  const truthFiles = await readBoxDir(opts.truth, false);
  const predFiles = await readBoxDir(opts.pred, true);
  if (truthFiles.size === 0) throw bad(`${opts.truth}: no .txt ground-truth files`);
  const orphans = [...predFiles.keys()].filter((id) => !truthFiles.has(id));
  if (orphans.length)
    throw bad(`${orphans.length} prediction file(s) without a ground-truth file: ${some(orphans)}`);
  const truths: DetectionTruth[] = [...truthFiles].flatMap(([imageId, items]) =>
    items.map((t) => ({ imageId, label: t.label, box: t.box })),
  );
  // A missing prediction file = no detections in that image.
  const dets: Detection[] = [...predFiles].flatMap(([imageId, items]) =>
    items.map((d) => ({ imageId, label: d.label, box: d.box, confidence: d.conf })),
  );
  if (truths.length === 0) throw bad(`${opts.truth}: no ground-truth objects`);
  const r = meanAveragePrecision(truths, dets, { iouThreshold: opts.iou, iou: 'box' });
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ iouThreshold: opts.iou, ap: r.ap, mAP: r.mAP })}\n`);
    return;
  }
  const rows = Object.entries(r.perClass).map(([label, c]) => [
    label,
    fmt(c.ap),
    String(c.truthCount),
    String(c.tp),
    String(c.fp),
  ]);
  rows.push(['mAP', fmt(r.mAP), '', '', '']);
  process.stdout.write(`AP at IoU >= ${opts.iou} (PASCAL VOC all-point, Cartucho/mAP matching)\n\n`);
  process.stdout.write(`${markdownTable(['class', 'AP', 'truths', 'TP', 'FP'], rows)}\n`);
}

function parseIou(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > 1) throw new InvalidArgumentError('expected a number in (0, 1]');
  return n;
}

export function registerMetricsCommands(program: Command): void {
  const metrics = program.command('metrics').description('Evaluate predictions against ground truth');
  metrics
    .command('classification')
    .description(
      'Accuracy, per-class P/R/F1, kappa, confusion matrix (and OvR ROC AUC when the predictions carry scores)',
    )
    .requiredOption('--truth <csv>', 'CSV "id,label"')
    .requiredOption('--pred <csv>', 'CSV "id,label[,<class>...]": optional score columns named by class')
    .option('--json', 'one JSON object instead of tables')
    .action((opts: { truth: string; pred: string; json?: boolean }) =>
      runCommand(() => classification(opts)),
    );
  metrics
    .command('detection')
    .description('AP per class and mAP at an IoU threshold from Cartucho/mAP text files (one .txt per image)')
    .requiredOption('--truth <dir>', 'ground truth: lines "class left top right bottom"')
    .requiredOption(
      '--pred <dir>',
      'detections: lines "class confidence left top right bottom" (no file = none)',
    )
    .option('--iou <threshold>', 'IoU threshold for a match', parseIou, 0.5)
    .option('--iou-kind <kind>', 'overlap measure: box', 'box')
    .option('--json', 'one JSON object instead of a table')
    .action((opts: { truth: string; pred: string; iou: number; iouKind: string; json?: boolean }) =>
      runCommand(() => detection(opts)),
    );
}
