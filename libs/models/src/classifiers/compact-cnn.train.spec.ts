import * as tf from '@tensorflow/tfjs';
import type { ImageF32 } from '@ropline/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backends/init-backend.js';
import { registerTrainingKernels } from '../backends/register-training-kernels.js';
import { lineSample, quietContext, seededRandom, stack } from '../layers-util/synthetic-lines.fixture.js';
import { loadCompactCnnClassifier } from './compact-cnn.classifier.js';

const EPOCHS = 40;

beforeAll(async () => {
  await initBackend({ backend: 'wasm' }, quietContext);
  registerTrainingKernels();
});

/** Hybrid input (III-B1): channel 0 the image, channel 1 the line mask, pixel-interleaved. */
function hybrid(image: ImageF32, mask: Float32Array): ImageF32 {
  const data = new Float32Array(image.data.length * 2);
  for (let i = 0; i < image.data.length; i++) {
    data[2 * i] = image.data[i];
    data[2 * i + 1] = mask[i];
  }
  return { data, width: image.width, height: image.height, channels: 2 };
}

describe('compact CNN training on wasm (ROPline training kernels)', () => {
  it('overfits 12 hybrid images of 3 classes (line thickness 1 / 3 / 5 px) to 100 %', async () => {
    expect(tf.getBackend()).toBe('wasm');
    const size = 64;
    const thickness = [1, 3, 5];
    const rand = seededRandom(5);
    const inputs = Array.from({ length: 12 }, (_, i) => {
      const s = lineSample(size, thickness[i % 3], rand);
      return { input: hybrid(s.image, s.mask), label: i % 3 };
    });
    const classifier = await loadCompactCnnClassifier(
      { inputSize: size, inputChannels: 2, classes: ['thin', 'medium', 'thick'], seed: 9 },
      quietContext,
    );
    const x = tf.tensor4d(stack(inputs.map((s) => s.input.data)), [12, size, size, 2]);
    const y = tf.oneHot(
      inputs.map((s) => s.label),
      3,
    );
    classifier.model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
    const t0 = performance.now();
    const history = await classifier.model.fit(x, y, {
      epochs: EPOCHS,
      batchSize: 12,
      shuffle: false,
      verbose: 0,
    });
    const ms = performance.now() - t0;
    tf.dispose([x, y]);
    const predicted: number[] = [];
    for (const s of inputs) predicted.push((await classifier.classify(s.input)).classIndex);
    const losses = history.history['loss'] as number[];
    console.log(
      `compact CNN 64x64x2: ${EPOCHS} epochs in ${ms.toFixed(0)} ms; loss ${losses[0].toFixed(3)} -> ${losses.at(-1)?.toFixed(3)}`,
    );
    expect(predicted).toEqual(inputs.map((s) => s.label));
    classifier.dispose();
  });
});
