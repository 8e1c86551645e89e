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
t('transpose x [3,1,2,0]', () => [k('Transpose', {x}, {perm:[3,1,2,0]})]);
t('transpose dy [1,2,0,3]', () => [k('Transpose', {x: dy}, {perm:[1,2,0,3]})]);
const xT = k('Transpose', {x}, {perm:[3,1,2,0]}); const dyT = k('Transpose', {x: dy}, {perm:[1,2,0,3]});
t('conv xT*dyT', () => [k('Conv2D', {x: xT, filter: dyT}, {strides:1, dilations:1, pad:[[0,0],[1,1],[1,1],[0,0]], dataFormat:'NHWC'})]);
// fresh dyT each time (no op cache) 
t('conv xT*dyT fresh filter', () => { const f = k('Transpose', {x: dy}, {perm:[1,2,0,3]}); const o = k('Conv2D', {x: xT, filter: f}, {strides:1, dilations:1, pad:[[0,0],[1,1],[1,1],[0,0]], dataFormat:'NHWC'}); return [o, f]; });
// width folding: xpad [B,H+2,W+2,Ci] -> [Ci, H+2, B, W+2]; per j slice -> [Ci,H+2,1,B*W]
t('wfold total', () => {
  const xp = k('PadV2', {x}, {paddings:[[0,0],[1,1],[1,1],[0,0]], constantValue:0});
  const xpt = k('Transpose', {x: xp}, {perm:[3,1,0,2]}); // [Ci,Hp,B,Wp]
  const dyt = k('Transpose', {x: dy}, {perm:[1,0,2,3]}); // [Ho,B,Wo,Co]
  const filt = {...dyt, shape:[H,1,B*W,Co]};
  const outs: any[] = [xp, xpt, dyt];
  for (let j=0;j<3;j++) {
    const s = k('Slice', {x: xpt}, {begin:[0,0,0,j], size:[Ci,H+2,B,W]});
    const o = k('Conv2D', {x: {...s, shape:[Ci,H+2,1,B*W]}, filter: filt}, {strides:1, dilations:1, pad:'valid', dataFormat:'NHWC'});
    outs.push(s, o);
  }
  return outs;
});
// GEMM: patches^T via matmul? ones-sum for bias
t('bias sum', () => [k('Sum', {x: dy}, {axis:[0,1,2], keepDims:false})]);
const ones = tf.ones([1, B*H*W]);
t('bias matmul', () => [k('BatchMatMul', {a: {...ones, shape:[1,1,B*H*W]} as any, b: {...dy, shape:[1,B*H*W,Co]} as any}, {transposeA:false, transposeB:false})]);
