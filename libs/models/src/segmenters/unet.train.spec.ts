import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backends/init-backend.js';
import { registerTrainingKernels } from '../backends/register-training-kernels.js';
import {
  diceOf,
  lineSample,
  quietContext,
  seededRandom,
  stack,
} from '../layers-util/synthetic-lines.fixture.js';
import { diceBceLoss } from './segmentation.losses.js';
import { loadUnetSegmenter } from './unet.segmenter.js';

const EPOCHS = 60;

beforeAll(async () => {
  await initBackend({ backend: 'wasm' }, quietContext);
  registerTrainingKernels();
});

describe('U-Net training on wasm (ROPline training kernels)', () => {
  it('learns to segment a drawn line: Dice > 0.9 on its 16 images', async () => {
    expect(tf.getBackend()).toBe('wasm');
    const size = 32;
    const rand = seededRandom(11);
    const samples = Array.from({ length: 16 }, (_, i) => lineSample(size, 2 + (i % 2), rand));
    const segmenter = await loadUnetSegmenter(
      { inputSize: size, depth: 2, baseFilters: 8, seed: 3 },
      quietContext,
    );
    const x = tf.tensor4d(stack(samples.map((s) => s.image.data)), [16, size, size, 1]);
    const y = tf.tensor4d(stack(samples.map((s) => s.mask)), [16, size, size, 1]);
    segmenter.model.compile({ optimizer: tf.train.adam(0.01), loss: diceBceLoss() });
    const t0 = performance.now();
    const history = await segmenter.model.fit(x, y, {
      epochs: EPOCHS,
      batchSize: 8,
      shuffle: false,
      verbose: 0,
    });
    const ms = performance.now() - t0;
    tf.dispose([x, y]);
    const losses = history.history['loss'] as number[];
    const dice: number[] = [];
    for (const s of samples) dice.push(diceOf((await segmenter.segment(s.image)).mask.data, s.mask));
    console.log(
      `U-Net 32x32 d2 f8: ${EPOCHS} epochs in ${ms.toFixed(0)} ms; loss ${losses[0].toFixed(3)} -> ${losses.at(-1)?.toFixed(3)}; min Dice ${Math.min(...dice).toFixed(3)}`,
    );
    expect(losses.at(-1)).toBeLessThan(losses[0] / 3);
    expect(Math.min(...dice)).toBeGreaterThan(0.9);
    segmenter.dispose();
  });
});
