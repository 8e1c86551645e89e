import { initWasm, time, tf } from './init.js';
import { registerTrainingKernels } from '../src/backends/register-training-kernels.js';
await initWasm();
const B=16,H=128,W=128,Ci=16,Co=32;
const x = tf.randomNormal([B,H,W,Ci]); const w = tf.randomNormal([3,3,Ci,Co]); const bias = tf.zeros([Co]);
const g = tf.randomNormal([B,H/2,W/2,Co]);
const f = (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => tf.mean(tf.mul(tf.maxPool(tf.relu(tf.add(tf.conv2d(x as any, w as any, 1, 'same'), b)) as any, 2, 2, 'valid'), g));
const step = () => tf.grads(f as any)([x, w, bias]);
for (const faster of [false, true]) {
  console.log(registerTrainingKernels({ faster }));
  time('step faster=' + faster, step, 3);
  const prof = await tf.profile(() => { const r = step(); r.forEach(t=>t.dataSync()); return r; });
  const agg: Record<string, number> = {};
  for (const k of prof.kernels) agg[k.name] = (agg[k.name] ?? 0) + (k.kernelTimeMs as number);
  console.log(Object.entries(agg).sort((a,b)=>b[1]-a[1]).map(([k,v])=>`${k}:${v.toFixed(0)}`).join(' '));
}
