import { initWasm, tf } from './init.js';
import { callWasmKernel } from '../src/backends/kernels/wasm-kernel-kit.js';
await initWasm();
const be = tf.backend() as any;
const B=16,H=128,W=128,Ci=16,Co=32;
const x = tf.randomNormal([B,H,W,Ci]); const dy = tf.randomNormal([B,H,W,Co]);
function t(name: string, f: () => any[], n=4) {
  for (let i=0;i<2;i++) f().forEach(o => be.disposeData(o.dataId));
  let tot = 0;
  for (let i=0;i<n;i++) { const t0=performance.now(); const outs=f(); tot+=performance.now()-t0; outs.forEach(o=>be.disposeData(o.dataId)); }
  console.log(name.padEnd(40), (tot/n).toFixed(1));
}
const k = (n: string, i: any, a: any) => callWasmKernel(be, n, i, a);
t('A: current (fresh)', () => { const xT = k('Transpose', {x}, {perm:[3,1,2,0]}); const f = k('Transpose', {x: dy}, {perm:[1,2,0,3]}); const o = k('Conv2D', {x: xT, filter: f}, {strides:1, dilations:1, pad:[[0,0],[1,1],[1,1],[0,0]], dataFormat:'NHWC'}); return [o, f, xT]; });
t('B: swapped (fresh)', () => {
  const xp = k('PadV2', {x}, {paddings:[[0,0],[1,1],[1,1],[0,0]], constantValue:0});
  const f = k('Transpose', {x: xp}, {perm:[1,2,0,3]}); // [Hp,Wp,B,Ci]
  const dT = k('Transpose', {x: dy}, {perm:[3,1,2,0]}); // [Co,Ho,Wo,B]
  const o = k('Conv2D', {x: dT, filter: f}, {strides:1, dilations:1, pad:[[0,0],[2,2],[2,2],[0,0]], dataFormat:'NHWC'});
  return [xp, f, dT, o];
});
const xp = k('PadV2', {x}, {paddings:[[0,0],[1,1],[1,1],[0,0]], constantValue:0});
const f = k('Transpose', {x: xp}, {perm:[1,2,0,3]});
const dT = k('Transpose', {x: dy}, {perm:[3,1,2,0]});
t('B: conv only cached', () => [k('Conv2D', {x: dT, filter: f}, {strides:1, dilations:1, pad:[[0,0],[2,2],[2,2],[0,0]], dataFormat:'NHWC'})]);
const o = k('Conv2D', {x: dT, filter: f}, {strides:1, dilations:1, pad:[[0,0],[2,2],[2,2],[0,0]], dataFormat:'NHWC'});
console.log(o.shape);
// correctness of B vs cpu-style reference via tf ops on wasm (A path)
const xT = k('Transpose', {x}, {perm:[3,1,2,0]}); const fA = k('Transpose', {x: dy}, {perm:[1,2,0,3]}); const oA = k('Conv2D', {x: xT, filter: fA}, {strides:1, dilations:1, pad:[[0,0],[1,1],[1,1],[0,0]], dataFormat:'NHWC'});
const a = be.typedArrayFromHeap(oA) as Float32Array, b = be.typedArrayFromHeap(o) as Float32Array; // A: [Ci,3,3,Co]; B: [Co,3,3,Ci] flipped
let md = 0; for (let ci=0;ci<Ci;ci++) for (let i=0;i<3;i++) for (let j=0;j<3;j++) for (let co=0;co<Co;co++) md = Math.max(md, Math.abs(a[((ci*3+i)*3+j)*Co+co] - b[((co*3+(2-i))*3+(2-j))*Ci+ci]));
console.log('maxdiff', md, a[0]);
const ones = tf.ones([1, B*H*W]);
t('bias matmul fresh', () => { const d2 = k('Identity', {x: dy}, {}); return [k('BatchMatMul', {a: {...ones, shape:[1,1,B*H*W]} as any, b: {...d2, shape:[1,B*H*W,Co]} as any}, {transposeA:false, transposeB:false}), d2]; });
t('identity only', () => [k('Identity', {x: dy}, {})]);
