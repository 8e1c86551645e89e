import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backends/init-backend.js';
import { quietContext } from '../layers-util/synthetic-lines.fixture.js';
import { diceBceLoss, hardDice, segmentationLoss, softDiceCceLoss } from './segmentation.losses.js';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' }, quietContext);
});

const value = (t: tf.Tensor) => t.dataSync()[0];
/** [1, 1, n, c] tensors from per-pixel rows. */
const pixels = (rows: number[][]) => tf.tensor4d(rows.flat(), [1, 1, rows.length, rows[0].length]);

describe('diceBceLoss', () => {
  it('matches a hand computation: Dice (smooth 1) + BCE', () => {
    // target [1, 0], prediction [0.8, 0.4]: Dice = (2*0.8 + 1) / (1 + 1.2 + 1) = 0.8125
    // BCE = -(ln 0.8 + ln 0.6) / 2 = 0.366985
    const loss = diceBceLoss()(pixels([[1], [0]]), pixels([[0.8], [0.4]]));
    expect(value(loss)).toBeCloseTo(1 - 0.8125 + 0.366985, 5);
    const diceOnly = diceBceLoss({ crossEntropyWeight: 0 })(pixels([[1], [0]]), pixels([[0.8], [0.4]]));
    expect(value(diceOnly)).toBeCloseTo(0.1875, 6);
  });

  it('is ~0 for a perfect prediction, and an empty target + empty prediction counts as Dice 1', () => {
    expect(value(diceBceLoss()(pixels([[1], [0]]), pixels([[1], [0]])))).toBeCloseTo(0, 5);
    expect(value(diceBceLoss()(pixels([[0], [0]]), pixels([[0], [0]])))).toBeCloseTo(0, 5);
  });

  it('averages Dice per image, so a small line weighs as much as a large one', () => {
    // image 1: perfect (Dice 1); image 2: 1-pixel line entirely missed: Dice = 1 / (1 + 0 + 1) = 0.5
    const yTrue = tf.tensor4d([1, 1, 1, 0, 0, 0, 1, 0], [2, 1, 4, 1]);
    const yPred = tf.tensor4d([1, 1, 1, 0, 0, 0, 0, 0], [2, 1, 4, 1]);
    expect(value(diceBceLoss({ crossEntropyWeight: 0 })(yTrue, yPred))).toBeCloseTo(1 - (1 + 0.5) / 2, 5);
  });

  it('has a finite, non-zero gradient on a mostly-background target', () => {
    const yTrue = tf.tensor4d(
      Array.from({ length: 100 }, (_, i) => (i < 2 ? 1 : 0)),
      [1, 10, 10, 1],
    );
    const g = tf.grad((p: tf.Tensor) => diceBceLoss()(yTrue, p))(tf.fill([1, 10, 10, 1], 0.1));
    const values = Array.from(g.dataSync());
    expect(values.every(Number.isFinite)).toBe(true);
    expect(values[0]).toBeLessThan(0); // raise the line pixels
    expect(values[50]).toBeGreaterThan(0); // lower the background
  });
});

describe('softDiceCceLoss', () => {
  // Two pixels, channels (background, a, b): pixel 0 is 'a', pixel 1 is background.
  const yTrue = () =>
    pixels([
      [0, 1, 0],
      [1, 0, 0],
    ]);
  const yPred = () =>
    pixels([
      [0.2, 0.7, 0.1],
      [0.6, 0.3, 0.1],
    ]);
  const cce = (Math.log(1 / 0.7) + Math.log(1 / 0.6)) / 2;

  it('matches a hand computation: soft Dice over the stage classes + categorical CE', () => {
    // Dice a = (1.4 + 1) / (1 + 1 + 1) = 0.8; Dice b = 1 / (0 + 0.2 + 1) = 0.8333
    expect(value(softDiceCceLoss()(yTrue(), yPred()))).toBeCloseTo(1 - (0.8 + 1 / 1.2) / 2 + cce, 5);
  });

  it('can include the background in the Dice mean', () => {
    // Dice background = (1.2 + 1) / (1 + 0.8 + 1) = 0.785714
    const dice = (2.2 / 2.8 + 0.8 + 1 / 1.2) / 3;
    expect(value(softDiceCceLoss({ includeBackground: true })(yTrue(), yPred()))).toBeCloseTo(
      1 - dice + cce,
      5,
    );
  });
});

describe('segmentationLoss / hardDice', () => {
  it('picks the loss by output channels', () => {
    const t = pixels([[1], [0]]);
    const p = pixels([[0.8], [0.4]]);
    expect(value(segmentationLoss(1)(t, p))).toBe(value(diceBceLoss()(t, p)));
    expect(value(segmentationLoss(3)(pixels([[0, 1, 0]]), pixels([[0.1, 0.8, 0.1]])))).toBe(
      value(softDiceCceLoss()(pixels([[0, 1, 0]]), pixels([[0.1, 0.8, 0.1]]))),
    );
  });

  it('hard Dice thresholds the prediction', () => {
    // thresholded [1, 0, 1] vs target [1, 1, 0]: 2*1 / (2 + 2) = 0.5
    expect(value(hardDice(pixels([[1], [1], [0]]), pixels([[0.9], [0.4], [0.6]])))).toBeCloseTo(0.5, 5);
  });
});
