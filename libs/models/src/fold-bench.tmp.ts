import * as tf from '@tensorflow/tfjs';
import { initBackend } from './backends/init-backend.js';
import { buildInceptionV3 } from './classifiers/inception-v3.model.js';
import { buildUnet } from './segmenters/unet.model.js';
import { foldBatchNormForInference } from './layers-util/fold-batch-norm.js';
const ctx = { log: () => undefined } as never;
await initBackend({ backend: 'wasm' }, ctx);
function time(m: tf.LayersModel, x: tf.Tensor, runs = 8) {
  for (let i = 0; i < 2; i++) tf.tidy(() => (m.predict(x) as tf.Tensor).dataSync());
  const ts: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    tf.tidy(() => (m.predict(x) as tf.Tensor).dataSync());
    ts.push(performance.now() - t);
  }
  ts.sort((a, b) => a - b);
  return ts[Math.floor(runs / 2)];
}
const size = { width: 299, height: 299 };
for (const [name, build] of [
  ['inception', () => buildInceptionV3({ inputSize: size, inputChannels: 1, numClasses: 4, seed: 1 })],
  ['unet', () => buildUnet({ inputSize: size, inputChannels: 1, depth: 4, baseFilters: 16, batchNorm: true, outputChannels: 1, seed: 1 })],
] as const) {
  const m = build();
  const x = tf.randomNormal([1, 299, 299, 1]);
  const t0 = performance.now();
  const f = foldBatchNormForInference(m);
  const foldMs = performance.now() - t0;
  const a = time(m, x), b = time(f, x), a2 = time(m, x), b2 = time(f, x);
  console.log(`${name}: before ${a.toFixed(0)}/${a2.toFixed(0)} ms, after ${b.toFixed(0)}/${b2.toFixed(0)} ms, fold ${foldMs.toFixed(0)} ms, threads ${tf.backend().constructor.name}`);
  m.dispose(); f.dispose(); x.dispose();
}
