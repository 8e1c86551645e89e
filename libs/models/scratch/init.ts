import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import path from 'node:path';
const require = createRequire(import.meta.url);
export async function initWasm() {
  const dir = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep;
  setWasmPaths(dir);
  await tf.setBackend('wasm');
  await tf.ready();
}
export function time(name: string, f: () => tf.Tensor | tf.Tensor[], n = 3) {
  // warm
  let r = f(); tf.dispose(r);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) { r = f(); (Array.isArray(r) ? r : [r]).forEach(t => t.dataSync()); tf.dispose(r); }
  const ms = (performance.now() - t0) / n;
  console.log(name.padEnd(40), ms.toFixed(1), 'ms');
  return ms;
}
export { tf };
