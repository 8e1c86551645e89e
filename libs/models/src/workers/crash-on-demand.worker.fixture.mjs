// Test fixture: the real inference worker, plus a crash on demand. An image 13 pixels wide makes
// the worker throw an uncaught exception, as a native crash or a bug would: the pool must reject
// that job with MODEL.WORKER_CRASHED and replace the worker.
import { parentPort } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
parentPort.on('message', (msg) => {
  if (msg?.type === 'analyze' && msg.image?.width === 13) throw new Error('crash on demand');
});
await import('./inference.worker.ts');
