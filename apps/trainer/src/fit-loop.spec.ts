import * as tf from '@tensorflow/tfjs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { mulberry32 } from '@ropline/core';
import { initBackend, loadCompactCnnClassifier } from '@ropline/models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCheckpoint, writeCheckpoint } from './checkpoint.js';
import { fit, CHECKPOINT_FILE, type FitData, type FitState } from './fit-loop.js';
import type { LoopSettings } from './profiles.js';

const quiet = { log: () => undefined };
let tmp: string;

beforeAll(async () => {
  await initBackend({ backend: 'wasm' }, quiet);
  tmp = await mkdtemp(path.join(os.tmpdir(), 'rop-fit-'));
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

/** 3 classes told apart by mean brightness: learnable in a few epochs. */
function dataset(count: number, seed: number): FitData {
  const rand = mulberry32(seed);
  const size = 16;
  const x = new Float32Array(count * size * size);
  const y = new Float32Array(count * 3);
  for (let i = 0; i < count; i++) {
    const k = i % 3;
    for (let p = 0; p < size * size; p++) x[i * size * size + p] = k - 1 + 0.5 * (rand() - 0.5);
    y[i * 3 + k] = 1;
  }
  return { x, y, count, xShape: [size, size, 1], yShape: [3] };
}

const settings: LoopSettings = {
  optimizer: { type: 'adam', learningRate: 0.01 },
  batchSize: 4,
  epochs: 5,
  patience: null,
  batchNormMomentum: 0.99,
};

async function run(
  runDir: string,
  opts: { resume?: boolean; abortAfterEpoch?: number; settings?: LoopSettings } = {},
) {
  const model = await loadCompactCnnClassifier(
    { inputSize: 16, inputChannels: 1, classes: ['a', 'b', 'c'], blocks: 2, baseFilters: 4, seed: 3 },
    quiet,
  );
  const ac = new AbortController();
  const best: number[] = [];
  const state = await fit({
    model: model.model,
    loss: 'categoricalCrossentropy',
    metrics: ['accuracy'],
    settings: opts.settings ?? settings,
    seed: 7,
    train: dataset(18, 1),
    validation: dataset(6, 2),
    runDir,
    resume: opts.resume ?? false,
    signal: ac.signal,
    ctx: quiet,
    onBest: async (epoch) => void best.push(epoch),
    onProgress: (p) => {
      if (p.phase === 'epoch' && p.record.epoch === opts.abortAfterEpoch) ac.abort();
    },
  });
  const weights = await Promise.all(model.model.getWeights().map((w) => w.data()));
  model.dispose();
  return { state, best, weights };
}

describe('fit: the shared training loop', () => {
  it('learns, keeps the best epoch, and records the history', async () => {
    const dir = path.join(tmp, 'plain');
    const { state, best } = await run(dir);
    expect(state.status).toBe('finished');
    expect(state.history.map((h) => h.epoch)).toEqual([1, 2, 3, 4, 5]);
    expect(state.history[4].loss).toBeLessThan(state.history[0].loss);
    expect(best[0]).toBe(1);
    expect(best.at(-1)).toBe(state.bestEpoch);
    const min = Math.min(...state.history.map((h) => h.valLoss));
    expect(state.bestValLoss).toBe(min);
    expect(state.history[0].metrics).toHaveProperty('valAcc');
  });

  it('an interrupted run resumed from its checkpoint ends exactly where an uninterrupted one does', async () => {
    const full = await run(path.join(tmp, 'full'));
    const dir = path.join(tmp, 'interrupted');
    const first = await run(dir, { abortAfterEpoch: 2 });
    expect(first.state.status).toBe('interrupted');
    expect(first.state.epoch).toBe(2);
    const saved = await readCheckpoint<FitState>(path.join(dir, CHECKPOINT_FILE));
    expect(saved.state.epoch).toBe(2);
    tf.dispose([...saved.model, ...saved.optimizer.map((o) => o.tensor)]);
    const resumed = await run(dir, { resume: true });
    expect(resumed.state.status).toBe('finished');
    expect(resumed.state.history.map((h) => h.loss)).toEqual(full.state.history.map((h) => h.loss));
    expect(resumed.weights).toEqual(full.weights);
  });

  it('stops early after `patience` epochs without improvement', async () => {
    const { state } = await run(path.join(tmp, 'early'), {
      settings: {
        optimizer: { type: 'sgd', learningRate: 1e-9, momentum: 0 },
        batchSize: 6,
        epochs: 20,
        patience: 2,
        batchNormMomentum: 0.99,
      },
    });
    expect(state.status).toBe('early-stopped');
    expect(state.epoch).toBeLessThan(20);
    expect(state.wait).toBe(2);
  });

  it('does not leak tensors across epochs', async () => {
    await run(path.join(tmp, 'warm'));
    const before = tf.memory().numTensors;
    await run(path.join(tmp, 'leak'));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses to resume without a checkpoint, and a corrupt checkpoint', async () => {
    await expect(run(path.join(tmp, 'none'), { resume: true })).rejects.toMatchObject({
      code: 'TRAIN.NOTHING_TO_RESUME',
    });
    const bad = path.join(tmp, 'bad.ckpt');
    await writeFile(bad, 'not a checkpoint');
    await expect(readCheckpoint(bad)).rejects.toMatchObject({ code: 'TRAIN.CHECKPOINT_INVALID' });
    const good = path.join(tmp, 'good.ckpt');
    const t = tf.tensor([1, 2, 3]);
    await writeCheckpoint(good, { state: { a: 1 }, model: [t], optimizer: [] });
    const back = await readCheckpoint<{ a: number }>(good);
    expect(back.state).toEqual({ a: 1 });
    expect(Array.from(await back.model[0].data())).toEqual([1, 2, 3]);
    tf.dispose([t, ...back.model]);
  });
});
