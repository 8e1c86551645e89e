const B=16,H=128,W=128,C=32,Ho=64,Wo=64;
const X = new Float32Array(B*H*W*C).map(()=>Math.max(0,Math.random()-0.5));
const DY = new Float32Array(B*Ho*Wo*C).map(()=>Math.random());
const Y = new Float32Array(B*Ho*Wo*C);
for (let b=0;b<B;b++) for (let oy=0;oy<Ho;oy++) for (let ox=0;ox<Wo;ox++) for (let c=0;c<C;c++){let m=-Infinity; for(let i=0;i<2;i++)for(let j=0;j<2;j++){const v=X[((b*H+oy*2+i)*W+ox*2+j)*C+c]; if(v>m)m=v;} Y[((b*Ho+oy)*Wo+ox)*C+c]=m;}
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
function v3() { // branchless select
  DX.fill(0);
  for (let b=0;b<B;b++) for (let oy=0;oy<Ho;oy++) for (let ox=0;ox<Wo;ox++) {
    const o=((b*Ho+oy)*Wo+ox)*C;
    for (let c=0;c<C;c++) {
      let bv=-Infinity, bi=-1;
      for (let yy=oy*2; yy<oy*2+2; yy++) { let p=((b*H+yy)*W+ox*2)*C+c; for (let xx=0; xx<2; xx++, p+=C) { const v=X[p]; const gt = v>bv; bv = gt?v:bv; bi = gt?p:bi; } }
      if (bi>=0) DX[bi]+=DY[o+c];
    }
  }
}
function v4() { // Y-matching: first tap equal to the pooled max
  DX.fill(0);
  const fh=2,fw=2;
  for (let b=0;b<B;b++) for (let oy=0;oy<Ho;oy++) for (let ox=0;ox<Wo;ox++) {
    const o=((b*Ho+oy)*Wo+ox)*C;
    const p0=((b*H+oy*2)*W+ox*2)*C;
    for (let c=0;c<C;c++) {
      const m=Y[o+c]; let p=p0+c;
      // row-major taps
      if (X[p]===m) {DX[p]+=DY[o+c]; continue;}
      if (X[p+C]===m) {DX[p+C]+=DY[o+c]; continue;}
      p+=W*C;
      if (X[p]===m) {DX[p]+=DY[o+c]; continue;}
      if (X[p+C]===m) {DX[p+C]+=DY[o+c]; continue;}
    }
  }
}
function check(){ let s=0; for (let i=0;i<DX.length;i++) s+=DX[i]*(i%7); return s; }
for (let k=0;k<4;k++) for (const f of [v1,v3,v4]) { const t=performance.now(); f(); console.log(f.name,(performance.now()-t).toFixed(1), check().toFixed(3)); }
function v5() { // generic Y-matching with bounds
  DX.fill(0);
  const fh=2,fw=2,sh=2,sw=2,pt=0,pl=0;
  for (let b=0;b<B;b++) for (let oy=0;oy<Ho;oy++) {
    const y0=oy*sh-pt, yMin=Math.max(0,y0), yMax=Math.min(H,y0+fh);
    for (let ox=0;ox<Wo;ox++) {
    const x0=ox*sw-pl, xMin=Math.max(0,x0), xMax=Math.min(W,x0+fw);
    const o=((b*Ho+oy)*Wo+ox)*C;
    const rowStart=((b*H+yMin)*W+xMin)*C;
    for (let c=0;c<C;c++) {
      const m=Y[o+c];
      if (m === -Infinity) continue;
      let found=-1;
      scan: for (let yy=yMin, r=rowStart+c; yy<yMax; yy++, r+=W*C) {
        for (let xx=xMin, p=r; xx<xMax; xx++, p+=C) if (X[p]===m) { found=p; break scan; }
      }
      if (found>=0) DX[found]+=DY[o+c];
    }
  }}
}
for (let k=0;k<4;k++) for (const f of [v4,v5]) { const t=performance.now(); f(); console.log(f.name,(performance.now()-t).toFixed(1), check().toFixed(3)); }
