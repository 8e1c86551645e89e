import * as tf from '@tensorflow/tfjs';
import { setWasmPaths, setThreadsCount, getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { locateWasmBinaries } from '../src/backends/wasm.backend.js';
import { registerTrainingKernels } from '../src/backends/register-training-kernels.js';
tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
setThreadsCount(2);
setWasmPaths(locateWasmBinaries());
registerTrainingKernels();
const ok = await tf.setBackend('wasm');
console.log('ok', ok, getThreadsCount());
const x = tf.randomNormal([16,128,128,16]); const w = tf.randomNormal([3,3,16,32]);
for (let i=0;i<4;i++){ const t=performance.now(); const y = tf.conv2d(x as any, w as any, 1, 'same'); y.dataSync(); y.dispose(); console.log('conv', (performance.now()-t).toFixed(0)); }
process.exit(0);
