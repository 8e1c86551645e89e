import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { RopError } from '@ropline/core';
import { lineChart, writeChartPng } from '@ropline/plot';
import type { EpochRecord, FitState } from './fit-loop.js';

/**
 * A run directory: everything needed to reproduce, inspect or resume one training run.
 *   run.json        what was asked (options, resolved profile, seed, dataset hash) — resume reads it
 *   log.jsonl       one line per epoch (loss, validation loss, metrics, seconds)
 *   checkpoint.ckpt the last completed epoch (weights + optimizer), for --resume
 *   model/          the best model artifact so far (lowest validation loss)
 *   curves.png      loss (and accuracy) per epoch
 *   summary.json    how it ended (status, best epoch, history)
 */
export const RUN_FILE = 'run.json';
export const MODEL_SUBDIR = 'model';

export interface RunInfo<O> {
  format: 'ropline-run/1';
  kind: 'segmenter' | 'classifier';
  options: O;
  dataset: { dir: string; name: string; hash: string };
  startedAt: string;
}

export async function startRun<O>(runDir: string, info: RunInfo<O>): Promise<void> {
  await mkdir(runDir, { recursive: true });
  const existing = await readFile(path.join(runDir, RUN_FILE), 'utf8').catch(() => null);
  if (existing !== null)
    throw new RopError(
      'TRAIN.RUN_EXISTS',
      `${runDir} already holds a run: continue it with --resume ${runDir}, or choose another --out`,
    );
  await writeFile(path.join(runDir, RUN_FILE), `${JSON.stringify(info, null, 2)}\n`);
}

export async function readRun<O>(runDir: string): Promise<RunInfo<O>> {
  let raw: string;
  try {
    raw = await readFile(path.join(runDir, RUN_FILE), 'utf8');
  } catch {
    throw new RopError('TRAIN.NOTHING_TO_RESUME', `${runDir} is not a training run (no ${RUN_FILE})`);
  }
  const info = JSON.parse(raw) as RunInfo<O>;
  if (info.format !== 'ropline-run/1')
    throw new RopError('TRAIN.NOTHING_TO_RESUME', `${runDir}/${RUN_FILE}: unknown format`);
  return info;
}

export async function appendEpochLog(runDir: string, record: EpochRecord): Promise<void> {
  await appendFile(path.join(runDir, 'log.jsonl'), `${JSON.stringify(record)}\n`);
}

/** Loss curves (and accuracy when the model reports it) as PNGs in the run directory. */
export async function writeCurves(runDir: string, title: string, history: EpochRecord[]): Promise<string[]> {
  if (history.length === 0) return [];
  const files: string[] = [];
  const lossFile = path.join(runDir, 'curves.png');
  await writeChartPng(
    lossFile,
    lineChart({
      title: `${title}: loss per epoch`,
      xLabel: 'epoch',
      yLabel: 'loss',
      series: [
        { name: 'training', points: history.map((h) => [h.epoch, h.loss] as [number, number]) },
        { name: 'validation', points: history.map((h) => [h.epoch, h.valLoss] as [number, number]) },
      ],
    }),
  );
  files.push(lossFile);
  if (history[0].metrics['acc'] !== undefined) {
    const accFile = path.join(runDir, 'accuracy.png');
    await writeChartPng(
      accFile,
      lineChart({
        title: `${title}: accuracy per epoch`,
        xLabel: 'epoch',
        yLabel: 'accuracy',
        yRange: [0, 1],
        series: [
          { name: 'training', points: history.map((h) => [h.epoch, h.metrics['acc']] as [number, number]) },
          {
            name: 'validation',
            points: history.map((h) => [h.epoch, h.metrics['valAcc']] as [number, number]),
          },
        ],
      }),
    );
    files.push(accFile);
  }
  return files;
}

export async function finishRun(runDir: string, title: string, state: FitState): Promise<void> {
  await writeFile(path.join(runDir, 'summary.json'), `${JSON.stringify(state, null, 2)}\n`);
  await writeCurves(runDir, title, state.history);
}
