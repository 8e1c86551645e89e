import * as tf from '@tensorflow/tfjs';
import { access, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { mulberry32, RopError, type PluginContext } from '@ropline/core';
import type { LossFn } from '@ropline/models';
import { readCheckpoint, writeCheckpoint } from './checkpoint.js';
import type { LoopSettings } from './profiles.js';

/** Tensors of one split, as flat arrays: `count` samples of `xShape` / `yShape` each. */
export interface FitData {
  x: Float32Array;
  y: Float32Array;
  count: number;
  xShape: [number, number, number];
  yShape: number[];
}

export interface EpochRecord {
  epoch: number;
  loss: number;
  /** Validation loss (the training loss when the dataset has no validation split). */
  valLoss: number;
  /** e.g. { acc, valAcc } for classifiers. */
  metrics: Record<string, number>;
  seconds: number;
}

export type FitStatus = 'running' | 'finished' | 'early-stopped' | 'interrupted';

export interface FitState {
  /** Last completed epoch (1-based; 0 = none). */
  epoch: number;
  bestEpoch: number;
  bestValLoss: number | null;
  /** Epochs since the best one (early stopping). */
  wait: number;
  status: FitStatus;
  history: EpochRecord[];
}

export type FitProgress =
  | { phase: 'batch'; epoch: number; epochs: number; batch: number; batches: number; loss: number }
  | { phase: 'epoch'; epochs: number; record: EpochRecord; improved: boolean };

export interface FitOptions {
  model: tf.LayersModel;
  loss: LossFn | 'categoricalCrossentropy';
  /** Keras metric names compiled in (e.g. ['accuracy']); reported per epoch. */
  metrics?: string[];
  settings: LoopSettings;
  seed: number;
  train: FitData;
  validation: FitData | null;
  /** Where the checkpoint lives (`checkpoint.ckpt`). */
  runDir: string;
  resume: boolean;
  /** Called when the validation loss improves: save the best model (before the checkpoint says so). */
  onBest(epoch: number, record: EpochRecord): Promise<void>;
  onProgress?(p: FitProgress): void;
  /** After each completed epoch's checkpoint (e.g. append to the run's log). */
  onEpochEnd?(record: EpochRecord): Promise<void>;
  signal?: AbortSignal;
  ctx: PluginContext;
}

export const CHECKPOINT_FILE = 'checkpoint.ckpt';

function optimizerFor(s: LoopSettings): tf.Optimizer {
  const o = s.optimizer;
  return o.type === 'sgd' ? tf.train.momentum(o.learningRate, o.momentum) : tf.train.adam(o.learningRate);
}

/** Fisher-Yates with a per-epoch seed: an interrupted epoch re-runs in the same order on resume. */
function epochOrder(count: number, seed: number, epoch: number): number[] {
  const rand = mulberry32((seed * 7919 + epoch * 104_729) >>> 0);
  const order = Array.from({ length: count }, (_, i) => i);
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

function gather(d: FitData, idx: readonly number[]): [tf.Tensor, tf.Tensor] {
  const xs = d.xShape[0] * d.xShape[1] * d.xShape[2];
  const ys = d.yShape.reduce((a, b) => a * b, 1);
  const x = new Float32Array(idx.length * xs);
  const y = new Float32Array(idx.length * ys);
  idx.forEach((s, k) => {
    x.set(d.x.subarray(s * xs, (s + 1) * xs), k * xs);
    y.set(d.y.subarray(s * ys, (s + 1) * ys), k * ys);
  });
  return [tf.tensor(x, [idx.length, ...d.xShape]), tf.tensor(y, [idx.length, ...d.yShape])];
}

function asNumbers(v: number | number[]): number[] {
  return Array.isArray(v) ? v : [v];
}

/** Loss and compiled metrics over a whole split, in batches (inference mode). */
async function evaluateSplit(model: tf.LayersModel, d: FitData, batchSize: number): Promise<number[]> {
  const sums: number[] = [];
  for (let start = 0; start < d.count; start += batchSize) {
    const idx = Array.from({ length: Math.min(batchSize, d.count - start) }, (_, k) => start + k);
    const [x, y] = gather(d, idx);
    const out = model.evaluate(x, y, { batchSize: idx.length });
    const scalars = Array.isArray(out) ? out : [out];
    const values = await Promise.all(scalars.map(async (s) => (await s.data())[0]));
    tf.dispose([x, y, ...scalars]);
    values.forEach((v, i) => (sums[i] = (sums[i] ?? 0) + v * idx.length));
  }
  return sums.map((s) => s / d.count);
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

/**
 * The training loop every trainer uses: seeded shuffling, one optimizer step per batch, validation
 * loss per epoch, keep-best (through onBest), early stopping, a checkpoint after every epoch, and
 * a clean stop between batches when `signal` aborts (the partial epoch is dropped; `resume`
 * re-runs it from the last checkpoint, so an interrupted run ends where an uninterrupted one does).
 */
export async function fit(o: FitOptions): Promise<FitState> {
  const optimizer = optimizerFor(o.settings);
  try {
    return await fitWith(o, optimizer);
  } finally {
    // Compiled with an Optimizer instance, the model does not own it: free its slots here.
    optimizer.dispose();
  }
}

async function fitWith(o: FitOptions, optimizer: tf.Optimizer): Promise<FitState> {
  const { model, settings } = o;
  const metricNames = o.metrics ?? [];
  model.compile({ optimizer, loss: o.loss, metrics: metricNames });
  await mkdir(o.runDir, { recursive: true });
  const ckptFile = path.join(o.runDir, CHECKPOINT_FILE);
  let state: FitState = {
    epoch: 0,
    bestEpoch: 0,
    bestValLoss: null,
    wait: 0,
    status: 'running',
    history: [],
  };
  if (o.resume) {
    if (!(await exists(ckptFile)))
      throw new RopError('TRAIN.NOTHING_TO_RESUME', `${o.runDir} has no ${CHECKPOINT_FILE} to resume from`);
    const ck = await readCheckpoint<FitState>(ckptFile);
    model.setWeights(ck.model);
    await optimizer.setWeights(ck.optimizer);
    tf.dispose(ck.model);
    state = { ...ck.state, status: 'running' };
    o.ctx.log('info', `resuming at epoch ${state.epoch + 1} (best so far: epoch ${state.bestEpoch})`);
    if (ck.state.status === 'finished' || ck.state.status === 'early-stopped') return ck.state;
  }
  const batches = Math.ceil(o.train.count / settings.batchSize);
  for (let epoch = state.epoch + 1; epoch <= settings.epochs; epoch++) {
    const t0 = performance.now();
    const order = epochOrder(o.train.count, o.seed, epoch);
    const sums: number[] = [];
    for (let b = 0; b < batches; b++) {
      if (o.signal?.aborted) return { ...state, status: 'interrupted' };
      const idx = order.slice(b * settings.batchSize, (b + 1) * settings.batchSize);
      const [x, y] = gather(o.train, idx);
      const values = asNumbers(await model.trainOnBatch(x, y));
      tf.dispose([x, y]);
      if (!Number.isFinite(values[0]))
        throw new RopError(
          'TRAIN.DIVERGED',
          `the loss became ${values[0]} at epoch ${epoch}, batch ${b + 1}: lower the learning rate`,
        );
      values.forEach((v, i) => (sums[i] = (sums[i] ?? 0) + v * idx.length));
      o.onProgress?.({
        phase: 'batch',
        epoch,
        epochs: settings.epochs,
        batch: b + 1,
        batches,
        loss: values[0],
      });
    }
    const trainValues = sums.map((s) => s / o.train.count);
    const valValues = o.validation
      ? await evaluateSplit(model, o.validation, settings.batchSize)
      : trainValues;
    const metrics: Record<string, number> = {};
    metricNames.forEach((name, i) => {
      const key = name === 'accuracy' ? 'acc' : name;
      metrics[key] = trainValues[i + 1];
      metrics[`val${key[0].toUpperCase()}${key.slice(1)}`] = valValues[i + 1];
    });
    const record: EpochRecord = {
      epoch,
      loss: trainValues[0],
      valLoss: valValues[0],
      metrics,
      seconds: (performance.now() - t0) / 1000,
    };
    const improved = state.bestValLoss === null || record.valLoss < state.bestValLoss;
    if (improved) await o.onBest(epoch, record);
    state = {
      epoch,
      bestEpoch: improved ? epoch : state.bestEpoch,
      bestValLoss: improved ? record.valLoss : state.bestValLoss,
      wait: improved ? 0 : state.wait + 1,
      status: 'running',
      history: [...state.history, record],
    };
    const stop = settings.patience !== null && state.wait >= settings.patience;
    if (stop || epoch === settings.epochs) state.status = stop ? 'early-stopped' : 'finished';
    const slots = await optimizer.getWeights();
    await writeCheckpoint(ckptFile, { state, model: model.getWeights(), optimizer: slots });
    // getWeights() returns the live variables plus a fresh 'iter' scalar: free only that one.
    tf.dispose(slots.filter((w) => w.name === 'iter').map((w) => w.tensor));
    await o.onEpochEnd?.(record);
    o.onProgress?.({ phase: 'epoch', epochs: settings.epochs, record, improved });
    if (stop) break;
  }
  if (state.status === 'running') state.status = 'finished';
  return state;
}
