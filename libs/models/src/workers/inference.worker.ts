/**
 * One inference worker thread (started through inference-worker.bootstrap.mjs, which registers
 * tsx): its own tfjs instance with one single-threaded backend, its own copy of the pipeline, one
 * image at a time. Protocol: inference-worker.protocol.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { PluginContext } from '@ropline/core';
import { loadPipeline } from '../artifacts/pipeline-loader.js';
import { initBackend } from '../backends/init-backend.js';
import type { StagingPipeline } from '../ports/pipeline.port.js';
import {
  resultTransferList,
  serializeError,
  type FromWorker,
  type InferenceWorkerData,
  type ToWorker,
} from './inference-worker.protocol.js';

if (!parentPort) throw new Error('inference.worker.ts runs as a worker thread of createInferencePool()');
const port = parentPort;
const { pipelineDir, backend } = workerData as InferenceWorkerData;

function send(msg: FromWorker, transfer: ArrayBuffer[] = []): void {
  try {
    port.postMessage(msg, transfer);
  } catch (e) {
    // A buffer Node will not move (e.g. marked untransferable): send a copy instead.
    if (transfer.length === 0) throw e;
    port.postMessage(msg);
  }
}

const ctx: PluginContext = {
  log(level, msg, meta) {
    try {
      port.postMessage({ type: 'log', level, msg, meta } satisfies FromWorker);
    } catch {
      port.postMessage({ type: 'log', level, msg } satisfies FromWorker);
    }
  },
};

let pipeline: StagingPipeline;
try {
  const selection = await initBackend(backend, ctx);
  pipeline = await loadPipeline(pipelineDir, ctx);
  port.on('message', (msg: ToWorker) => void handle(msg));
  send({ type: 'ready', backend: selection.name, kind: pipeline.kind, models: pipeline.models });
} catch (e) {
  send({ type: 'init-failed', error: serializeError(e) });
}

async function handle(msg: ToWorker): Promise<void> {
  if (msg.type !== 'analyze') return;
  try {
    const result = await pipeline.analyze(msg.image);
    send({ type: 'result', id: msg.id, result }, resultTransferList(result));
  } catch (e) {
    send({ type: 'error', id: msg.id, error: serializeError(e) });
  }
}
