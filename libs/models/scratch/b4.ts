// JS loop speed experiments on plain Float32Arrays
const B=16,H=128,W=128,C=32,Ho=64,Wo=64;
const X = new Float32Array(B*H*W*C).map(()=>Math.random());
const DY = new Float32Array(B*Ho*Wo*C).map(()=>Math.random());
const DX = new Float32Array(X.length);
function v1() {
  DX.fill(0);
  const best = new Float32Array(C), where = new Int32Array(C);
  for (let b=0;b<B;b++) for (let oy=0;oy<Ho;oy++) for (let ox=0;ox<Wo;ox++) {
    best.fill(-Infinity); where.fill(-1);
    for (let yy=oy*2; yy<oy*2+2; yy++) for (let xx=ox*2; xx<ox*2+2; xx++) {
      const base=((b*H+yy)*W+xx)*C;
      for (let c=0;c<C;c++){ const v=X[base+c]; if (v>best[c]) {best[c]=v; where[c]=base+c;} }
    }
    const o=((b*Ho+oy)*Wo+ox)*C;
    for (let c=0;c<C;c++) if (where[c]>=0) DX[where[c]]+=DY[o+c];
  }
}
// v2: per channel scan window (no scratch arrays)
function v2() {
  DX.fill(0);
  const fh=2, fw=2;
  for (let b=0;b<B;b++) for (let oy=0;oy<Ho;oy++) for (let ox=0;ox<Wo;ox++) {
    const o=((b*Ho+oy)*Wo+ox)*C;
    const y0=oy*2, x0=ox*2;
    for (let c=0;c<C;c++) {
      let bv=-Infinity, bi=-1;
      for (let yy=y0; yy<y0+fh; yy++) { let p=((b*H+yy)*W+x0)*C+c; for (let xx=0; xx<fw; xx++, p+=C) { const v=X[p]; if (v>bv){bv=v;bi=p;} } }
      if (bi>=0) DX[bi]+=DY[o+c];
    }
  }
}
function sumCols(A: Float32Array, rows: number, cols: number) {
  const acc = new Float64Array(cols);
  for (let r=0, p=0; r<rows; r++) for (let c=0;c<cols;c++,p++) acc[c]+=A[p];
  return acc;
}
for (const [n,f] of [['v1',v1],['v2',v2],['v1',v1],['v2',v2],['sum',()=>sumCols(X,B*H*W,C)],['sum',()=>sumCols(X,B*H*W,C)],['fill',()=>DX.fill(0)]] as const) {
  const t=performance.now(); (f as ()=>void)(); console.log(n, (performance.now()-t).toFixed(1));
}
