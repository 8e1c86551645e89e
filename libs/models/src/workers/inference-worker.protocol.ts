import { RopError, type ErrorMeta, type Image8 } from '@ropline/core';
import type { BackendConfigInput } from '../backends/backend-config.schema.js';
import type { BackendName } from '../backends/compute-backend.port.js';
import type { ModelRef } from '../ports/model-info.js';
import type { PipelineKind, StagingResult } from '../ports/pipeline.port.js';

/**
 * Messages between the inference pool (main thread) and its workers. Everything here must survive
 * the structured clone; images and results travel as typed arrays whose buffers are transferred.
 */

/** `workerData` of an inference worker. */
export interface InferenceWorkerData {
  pipelineDir: string;
  backend: BackendConfigInput;
}

/** An error as it crosses the thread boundary: a RopError keeps its code and meta. */
export interface SerializedError {
  name: string;
  message: string;
  code?: string;
  meta?: ErrorMeta;
  stack?: string;
}

export type ToWorker = { type: 'analyze'; id: number; image: Image8 };

export type FromWorker =
  | { type: 'ready'; backend: BackendName; kind: PipelineKind; models: ModelRef[] }
  | { type: 'init-failed'; error: SerializedError }
  | { type: 'result'; id: number; result: StagingResult }
  | { type: 'error'; id: number; error: SerializedError }
  | { type: 'log'; level: 'debug' | 'info' | 'warn' | 'error'; msg: string; meta?: Record<string, unknown> };

export function serializeError(e: unknown): SerializedError {
  if (e instanceof RopError) {
    return { name: e.name, message: e.message, code: e.code, meta: { ...e.meta }, stack: e.stack };
  }
  if (e instanceof Error) return { name: e.name, message: e.message, stack: e.stack };
  return { name: 'Error', message: String(e) };
}

/**
 * The error on this side: a RopError with the worker's code, message and meta (so callers and the
 * CLI edge handle it as if it were thrown in-process), else a plain Error of the same name. The
 * stack is the worker's, where the error happened.
 */
export function deserializeError(s: SerializedError): Error {
  let e: Error;
  if (s.code !== undefined) e = new RopError(s.code, s.message, s.meta ?? {});
  else {
    e = new Error(s.message);
    e.name = s.name;
  }
  if (s.stack) e.stack = s.stack;
  return e;
}

/**
 * The buffer of `view` when it can be moved to another thread without surprising anyone: a plain
 * ArrayBuffer (not shared, not wasm memory) that the view covers entirely. Anything else is copied.
 */
export function transferableBuffer(view: ArrayBufferView | null | undefined): ArrayBuffer | null {
  if (!view || !(view.buffer instanceof ArrayBuffer)) return null;
  if (view.byteOffset !== 0 || view.byteLength !== view.buffer.byteLength) return null;
  return view.buffer;
}

/** Buffers of a result that can move back to the caller (the worker never reads them again). */
export function resultTransferList(r: StagingResult): ArrayBuffer[] {
  const views = [
    r.segmentation?.probability,
    r.segmentation?.labels,
    r.segmentation?.mask.data,
    r.maskAtInputSize?.data,
  ];
  const out = new Set<ArrayBuffer>();
  for (const v of views) {
    const b = transferableBuffer(v);
    if (b) out.add(b);
  }
  return [...out];
}
