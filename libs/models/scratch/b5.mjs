const N=16*128*128*32, C=32;
const X = new Float32Array(N).map(()=>Math.random());
function s1(){ let s=0; for (let i=0;i<N;i++) s+=X[i]; return s; }
function s2(){ const acc=new Float64Array(C); for (let p=0;p<N;p+=C) for (let c=0;c<C;c++) acc[c]+=X[p+c]; return acc; }
function s3(){ const acc=new Float32Array(C); for (let p=0;p<N;p+=C) for (let c=0;c<C;c++) acc[c]+=X[p+c]; return acc; }
function s4(){ // 4 rows at once
  const acc=new Float64Array(C); const R=C*4; let p=0;
  for (; p+R<=N; p+=R) for (let c=0;c<C;c++) acc[c]+=X[p+c]+X[p+C+c]+X[p+2*C+c]+X[p+3*C+c];
  return acc; }
for (let k=0;k<3;k++) for (const f of [s1,s2,s3,s4]) { const t=performance.now(); f(); console.log(f.name,(performance.now()-t).toFixed(1)); }
