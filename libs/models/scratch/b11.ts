import { initWasm, tf } from './init.js';
import { callWasmKernel } from '../src/backends/kernels/wasm-kernel-kit.js';
import { registerTrainingKernels } from '../src/backends/register-training-kernels.js';
await initWasm(); registerTrainingKernels();
const be = tf.backend() as any;
const B=16,H=128,W=128,Ci=16,Co=32, Hp=130, Wp=130;
const x = tf.randomNormal([B,H,W,Ci]); const dy = tf.randomNormal([B,H,W,Co]);
const k = (n: string, i: any, a: any) => callWasmKernel(be, n, i, a);
function t(name: string, f: () => any[], n=4) {
  for (let i=0;i<2;i++) f().forEach(o => be.disposeData(o.dataId));
  const ts: number[] = [];
  for (let i=0;i<n;i++) { const t0=performance.now(); const outs=f(); ts.push(performance.now()-t0); outs.forEach(o=>be.disposeData(o.dataId)); }
  ts.sort((a,b)=>a-b); console.log(name.padEnd(40), ts[n>>1].toFixed(1));
}
const L = B*Hp*Wp - (2*Wp+2);
t('current kernel', () => [k('Conv2DBackpropFilter', {x, dy}, {strides:1, pad:'same', dataFormat:'NHWC', filterShape:[3,3,Ci,Co]})]);
t('FC per tap', () => {
  const xp = k('PadV2', {x}, {paddings:[[0,0],[1,1],[1,1],[0,0]], constantValue:0});
  const xt = k('Transpose', {x: xp}, {perm:[3,0,1,2]}); // [Ci, B, Hp, Wp]
  const dyp = k('PadV2', {x: dy}, {paddings:[[0,0],[0,2],[0,2],[0,0]], constantValue:0}); // [B,Hp,Wp,Co]
  const bView = {...dyp, shape:[1, L, Co]};
  const outs: any[] = [xp, xt, dyp];
  const xflat = {...xt, shape:[Ci, B*Hp*Wp]};
  for (let i=0;i<3;i++) for (let j=0;j<3;j++) {
    const a = k('Slice', {x: xflat}, {begin:[0, i*Wp+j], size:[Ci, L]});
    const o = k('BatchMatMul', {a: {...a, shape:[1,Ci,L]}, b: bView}, {transposeA:false, transposeB:false});
    outs.push(a, o);
  }
  return outs;
});
// check correctness of tap (0,0) vs current
{
  const ref = k('Conv2DBackpropFilter', {x, dy}, {strides:1, pad:'same', dataFormat:'NHWC', filterShape:[3,3,Ci,Co]});
  const xp = k('PadV2', {x}, {paddings:[[0,0],[1,1],[1,1],[0,0]], constantValue:0});
  const xt = k('Transpose', {x: xp}, {perm:[3,0,1,2]});
  const dyp = k('PadV2', {x: dy}, {paddings:[[0,0],[0,2],[0,2],[0,0]], constantValue:0});
  const i=1,j=2;
  const a = k('Slice', {x: {...xt, shape:[Ci,B*Hp*Wp]}}, {begin:[0, i*Wp+j], size:[Ci, L]});
  const o = k('BatchMatMul', {a: {...a, shape:[1,Ci,L]}, b: {...dyp, shape:[1,L,Co]}}, {transposeA:false, transposeB:false});
  const R = be.typedArrayFromHeap(ref), O = be.typedArrayFromHeap(o);
  let md=0, mx=0; for (let ci=0;ci<Ci;ci++) for (let co=0;co<Co;co++){ const r=R[((i*3+j)*Ci+ci)*Co+co]; md=Math.max(md,Math.abs(r-O[ci*Co+co])); mx=Math.max(mx,Math.abs(r)); }
  console.log('diff', md, 'scale', mx);
}
