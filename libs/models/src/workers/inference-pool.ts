import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { RopError, type Image8, type PluginContext } from '@ropline/core';
import type { BackendConfigInput } from '../backends/backend-config.schema.js';
import type { BackendName } from '../backends/compute-backend.port.js';
import type { ModelRef } from '../ports/model-info.js';
import type { PipelineKind, StagingPipeline, StagingResult } from '../ports/pipeline.port.js';
import {
  deserializeError,
  transferableBuffer,
  type FromWorker,
  type InferenceWorkerData,
  type SerializedError,
  type ToWorker,
} from './inference-worker.protocol.js';

const DEFAULT_WORKER_SCRIPT = new URL('./inference-worker.bootstrap.mjs', import.meta.url);

export interface InferencePoolOptions {
  /** A pipeline directory (pipeline.json + model artifacts); every worker loads it itself. */
  pipelineDir: string;
  /** Worker threads, default `os.availableParallelism()`. */
  workers?: number;
  /** Each worker's compute backend: a name or a full backend config. Default 'auto'. */
  backend?: BackendConfigInput['backend'] | BackendConfigInput;
  /** Where the workers' logs go (default: dropped). */
  ctx?: PluginContext;
  /** The worker entry (tests only: a wrapper around the real worker). */
  workerScript?: URL;
}

export interface AnalyzeOptions {
  /**
   * Move the image's pixel buffer to the worker instead of copying it: no copy, but the caller's
   * `image.data` is detached (length 0) afterwards. Only done when the buffer is a plain
   * ArrayBuffer that `image.data` covers entirely; otherwise the image is copied as usual.
   */
  transfer?: boolean;
}

export interface InferencePoolStats {
  workers: number;
  busy: number;
  queued: number;
  /** Workers replaced after a crash since the pool started. */
  restarts: number;
}

export interface InferencePool {
  /** The backend the workers run (as the first worker reported it). */
  readonly backend: BackendName;
  /** The loaded pipeline's kind and models (as the first worker reported them). */
  readonly pipeline: { kind: PipelineKind; models: ModelRef[] };
  readonly size: number;
  /**
   * Queues `image` for the next idle worker. Resolves with the pipeline's result (its buffers are
   * moved from the worker, not copied); rejects with the worker's error (a RopError keeps its code
   * and meta), with RopError MODEL.WORKER_CRASHED when the worker died meanwhile (it is replaced),
   * or with MODEL.DISPOSED once the pool is closed.
   */
  analyze(image: Image8, options?: AnalyzeOptions): Promise<StagingResult>;
  stats(): InferencePoolStats;
  /** Terminates every worker; pending analyses reject with MODEL.DISPOSED. Idempotent. */
  close(): Promise<void>;
}

interface Job {
  id: number;
  image: Image8;
  transfer: boolean;
  resolve(r: StagingResult): void;
  reject(e: Error): void;
}

interface Slot {
  index: number;
  worker: Worker;
  ready: boolean;
  job: Job | null;
  /** The last 'error' event (an uncaught exception in the worker), reported when it exits. */
  error: Error | null;
}

const SILENT: PluginContext = { log: () => undefined };

/**
 * A pool of worker threads, each with its own single-threaded tfjs backend and its own copy of the
 * pipeline in `pipelineDir`: tfjs-wasm runs on one core in Node, so this is how inference uses all
 * of them. Resolves once every worker has loaded the pipeline (a load failure rejects with the
 * worker's error, e.g. MODEL.ARTIFACT_INVALID, and stops the others).
 */
export async function createInferencePool(options: InferencePoolOptions): Promise<InferencePool> {
  const count = options.workers ?? availableParallelism();
  if (!Number.isInteger(count) || count < 1) {
    throw new RopError('CONFIG.INVALID', `workers must be an integer >= 1, got ${count}`);
  }
  const backend: BackendConfigInput =
    typeof options.backend === 'object' ? options.backend : { backend: options.backend ?? 'auto' };
  const data: InferenceWorkerData = { pipelineDir: options.pipelineDir, backend };
  const script = options.workerScript ?? DEFAULT_WORKER_SCRIPT;
  const ctx = options.ctx ?? SILENT;

  const slots = new Map<number, Slot>();
  const queue: Job[] = [];
  let nextId = 1;
  let restarts = 0;
  let closed = false;
  let backendName = null as BackendName | null;
  let loaded = null as { kind: PipelineKind; models: ModelRef[] } | null;

  function dispatch(): void {
    for (const slot of slots.values()) {
      if (!queue.length) return;
      if (!slot.ready || slot.job) continue;
      const job = queue.shift() as Job;
      slot.job = job;
      const buffer = job.transfer ? transferableBuffer(job.image.data) : null;
      const msg: ToWorker = { type: 'analyze', id: job.id, image: job.image };
      slot.worker.ref();
      try {
        slot.worker.postMessage(msg, buffer ? [buffer] : []);
      } catch (e) {
        // The buffer cannot move (e.g. marked untransferable): copy it; anything else fails the job.
        try {
          if (!buffer) throw e;
          slot.worker.postMessage(msg);
        } catch (e2) {
          slot.job = null;
          job.reject(e2 as Error);
        }
      }
    }
  }

  function crashError(slot: Slot, exitCode: number): RopError {
    const why = slot.error ? `: ${slot.error.message}` : '';
    return new RopError(
      'MODEL.WORKER_CRASHED',
      `inference worker ${slot.index} exited (code ${exitCode}) while analyzing an image${why}; ` +
        'the worker is replaced, the image was not retried',
      { worker: slot.index, exitCode },
    );
  }

  /** Starts a worker in position `index`; settles when it has loaded the pipeline (or failed to). */
  function spawn(index: number): Promise<void> {
    return new Promise<void>((resolveReady, rejectReady) => {
      const worker = new Worker(script, { workerData: data, name: `ropline-inference-${index}` });
      const slot: Slot = { index, worker, ready: false, job: null, error: null };
      slots.set(index, slot);
      worker.on('message', (msg: FromWorker) => {
        switch (msg.type) {
          case 'log':
            ctx.log(msg.level, `[worker ${index}] ${msg.msg}`, msg.meta);
            return;
          case 'ready':
            slot.ready = true;
            backendName ??= msg.backend;
            loaded ??= { kind: msg.kind, models: msg.models };
            worker.unref();
            resolveReady();
            dispatch();
            return;
          case 'init-failed':
            rejectReady(deserializeError(msg.error));
            void worker.terminate();
            return;
          case 'result':
          case 'error': {
            const job = slot.job;
            if (!job || job.id !== msg.id) return;
            slot.job = null;
            worker.unref();
            if (msg.type === 'result') job.resolve(msg.result);
            else job.reject(deserializeError(msg.error as SerializedError));
            dispatch();
            return;
          }
        }
      });
      worker.on('error', (e) => {
        slot.error = e;
      });
      worker.on('exit', (exitCode) => {
        if (slots.get(index) === slot) slots.delete(index);
        if (!slot.ready) {
          const why = slot.error ? `: ${slot.error.message}` : '';
          rejectReady(
            new RopError(
              'MODEL.WORKER_CRASHED',
              `inference worker ${index} exited (code ${exitCode}) while starting${why}`,
              {
                worker: index,
                exitCode,
              },
            ),
          );
        }
        if (closed) return;
        if (slot.job) slot.job.reject(crashError(slot, exitCode));
        slot.job = null;
        if (!slot.ready) {
          // It never came up (a replacement that failed to load): do not loop on restarts.
          failQueueIfNoWorkers();
          return;
        }
        restarts++;
        ctx.log('warn', `inference worker ${index} exited (code ${exitCode}); starting a replacement`, {
          worker: index,
          exitCode,
        });
        spawn(index).catch((e: Error) => {
          ctx.log('error', `replacement inference worker ${index} failed to start: ${e.message}`, {
            worker: index,
          });
        });
      });
    });
  }

  function failQueueIfNoWorkers(): void {
    if (slots.size > 0) return;
    const error = new RopError(
      'MODEL.WORKER_CRASHED',
      'no inference worker is left (replacements failed to start)',
    );
    for (const job of queue.splice(0)) job.reject(error);
  }

  async function close(): Promise<void> {
    if (closed) return;
    closed = true;
    const error = () => new RopError('MODEL.DISPOSED', 'the inference pool was closed');
    for (const job of queue.splice(0)) job.reject(error());
    const live = [...slots.values()];
    slots.clear();
    for (const s of live) {
      s.job?.reject(error());
      s.job = null;
    }
    await Promise.all(live.map((s) => s.worker.terminate()));
  }

  try {
    await Promise.all(Array.from({ length: count }, (_, i) => spawn(i)));
  } catch (e) {
    await close();
    throw e;
  }

  return {
    backend: backendName as BackendName,
    pipeline: loaded as { kind: PipelineKind; models: ModelRef[] },
    size: count,
    analyze(image, opts = {}) {
      if (closed) return Promise.reject(new RopError('MODEL.DISPOSED', 'the inference pool was closed'));
      if (slots.size === 0) {
        return Promise.reject(new RopError('MODEL.WORKER_CRASHED', 'no inference worker is left'));
      }
      return new Promise<StagingResult>((resolve, reject) => {
        queue.push({ id: nextId++, image, transfer: opts.transfer === true, resolve, reject });
        dispatch();
      });
    },
    stats() {
      const live = [...slots.values()];
      return {
        workers: live.length,
        busy: live.filter((s) => s.job).length,
        queued: queue.length,
        restarts,
      };
    },
    close,
  };
}

/**
 * A StagingPipeline whose `analyze` runs on an inference pool's worker threads (the image's pixel
 * buffer is moved there when it can be, so the caller must not use `image.data` afterwards), so the
 * caller's event loop stays free: a gateway keeps receiving while a study is analysed. `dispose`
 * closes the pool.
 */
export async function createPooledPipeline(options: InferencePoolOptions): Promise<StagingPipeline> {
  const pool = await createInferencePool(options);
  return {
    kind: pool.pipeline.kind,
    models: pool.pipeline.models,
    analyze: (image) => pool.analyze(image, { transfer: true }),
    dispose: () => pool.close(),
  };
}
