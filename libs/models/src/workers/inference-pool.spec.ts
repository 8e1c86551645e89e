import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRopError, type Image8 } from '@ropline/core';
import { makeFundusLike } from '@ropline/testing';
import { loadPipeline } from '../artifacts/pipeline-loader.js';
import { initBackend } from '../backends/init-backend.js';
import type { StagingPipeline, StagingResult } from '../ports/pipeline.port.js';
import { writeTinyPipeline } from '../testing/tiny-pipeline.fixture.js';
import { createInferencePool, createPooledPipeline, type InferencePool } from './inference-pool.js';

const quiet = { log: () => undefined };
let dir: string;
let inProcess: StagingPipeline;
let pool: InferencePool;

/** What must agree between the pool and the in-process pipeline (latencies differ by nature). */
function comparable(r: StagingResult) {
  const { latencyMs: _latency, ...rest } = r;
  return rest;
}

async function errorOf(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => new Error('expected a rejection'),
    (e: unknown) => e,
  );
}

const images: Image8[] = [
  makeFundusLike(96, 72, 1),
  makeFundusLike(64, 64, 2),
  makeFundusLike(120, 90, 3),
  gray(makeFundusLike(50, 40, 4)),
];

function gray(rgb: Image8): Image8 {
  const data = new Uint8Array(rgb.width * rgb.height);
  for (let i = 0; i < data.length; i++) data[i] = rgb.data[i * 3 + 1];
  return { data, width: rgb.width, height: rgb.height, channels: 1 };
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ropline-pool-'));
  await initBackend({ backend: 'wasm' }, quiet);
  await writeTinyPipeline(dir, 'hybrid');
  inProcess = await loadPipeline(dir, quiet);
  pool = await createInferencePool({ pipelineDir: dir, workers: 2, backend: 'wasm' });
});

afterAll(async () => {
  inProcess?.dispose();
  await pool?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('createInferencePool', () => {
  it('starts its workers on the requested backend', () => {
    expect(pool.backend).toBe('wasm');
    expect(pool.size).toBe(2);
    expect(pool.stats()).toEqual({ workers: 2, busy: 0, queued: 0, restarts: 0 });
  });

  it('reports the loaded pipeline (kind, models) as the in-process pipeline does', () => {
    expect(pool.pipeline).toEqual({ kind: inProcess.kind, models: inProcess.models });
    expect(pool.pipeline.kind).toBe('hybrid');
  });

  it('createPooledPipeline: a StagingPipeline on worker threads, same results, image buffer moved, dispose closes', async () => {
    const pooled = await createPooledPipeline({ pipelineDir: dir, workers: 1, backend: 'wasm' });
    try {
      expect([pooled.kind, pooled.models]).toEqual([inProcess.kind, inProcess.models]);
      const image = makeFundusLike(96, 72, 1);
      const expected = await inProcess.analyze(makeFundusLike(96, 72, 1));
      expect(comparable(await pooled.analyze(image))).toEqual(comparable(expected));
      expect(image.data.byteLength).toBe(0); // moved to the worker, not copied
    } finally {
      await pooled.dispose();
    }
    await expect(pooled.analyze(makeFundusLike(8, 8, 1))).rejects.toMatchObject({ code: 'MODEL.DISPOSED' });
  });

  it('gives the same results as the in-process pipeline', async () => {
    for (const image of images) {
      const expected = await inProcess.analyze(image);
      const got = await pool.analyze(image);
      expect(comparable(got)).toEqual(comparable(expected));
      expect(got.segmentation?.probability).toBeInstanceOf(Float32Array);
      expect(got.latencyMs.total).toBeGreaterThan(0);
    }
  });

  it('completes many concurrent analyses, each with its own result', async () => {
    const many = Array.from({ length: 12 }, (_, i) => images[i % images.length]);
    const expected = await Promise.all(images.map((im) => inProcess.analyze(im)));
    const pending = many.map((im) => pool.analyze(im));
    // Dispatch is synchronous: both workers took one image, the rest wait in the queue.
    expect(pool.stats()).toMatchObject({ busy: 2, queued: many.length - 2 });
    const results = await Promise.all(pending);
    results.forEach((r, i) => expect(comparable(r)).toEqual(comparable(expected[i % images.length])));
    expect(pool.stats()).toMatchObject({ busy: 0, queued: 0 });
  });

  it('moves the image buffer on request, and copies it otherwise', async () => {
    const image = makeFundusLike(96, 72, 1);
    const copy = { ...image, data: image.data.slice() };
    const expected = comparable(await inProcess.analyze(image));
    expect(comparable(await pool.analyze(image))).toEqual(expected);
    expect(image.data.length).toBe(96 * 72 * 3);
    expect(comparable(await pool.analyze(copy, { transfer: true }))).toEqual(expected);
    expect(copy.data.length).toBe(0); // detached: it went to the worker without a copy
  });

  it('rejects an invalid image with the same RopError code as in-process', async () => {
    const bad: Image8 = { data: new Uint8Array(10), width: 20, height: 20, channels: 3 };
    const local = await errorOf(inProcess.analyze(bad));
    const remote = await errorOf(pool.analyze(bad));
    expect(isRopError(local)).toBe(true);
    expect(isRopError(remote)).toBe(true);
    if (isRopError(local) && isRopError(remote)) {
      expect(remote.code).toBe(local.code);
      expect(remote.message).toBe(local.message);
      expect(remote.meta).toEqual(local.meta);
    }
    // The worker survives a failed job.
    expect(comparable(await pool.analyze(images[0]))).toEqual(comparable(await inProcess.analyze(images[0])));
  });

  it('fails to start with the worker-side error when the pipeline directory is invalid', async () => {
    const err = await errorOf(
      createInferencePool({ pipelineDir: path.join(dir, 'nope'), workers: 1, backend: 'wasm' }),
    );
    expect(isRopError(err, 'MODEL.ARTIFACT_INVALID')).toBe(true);
  });

  it('rejects the in-flight job of a crashed worker and replaces the worker', async () => {
    const crashy = await createInferencePool({
      pipelineDir: dir,
      workers: 1,
      backend: 'wasm',
      workerScript: new URL('./crash-on-demand.worker.fixture.mjs', import.meta.url),
    });
    try {
      const crash = makeFundusLike(13, 13, 5);
      const queued = crashy.analyze(images[1]); // waits behind the crashing job
      const err = await errorOf(Promise.all([crashy.analyze(crash), queued]));
      expect(isRopError(err, 'MODEL.WORKER_CRASHED')).toBe(true);
      expect((err as Error).message).toMatch(/exited \(code 1\) while analyzing an image: crash on demand/);
      // The job queued behind it runs on the replacement.
      expect(comparable(await queued)).toEqual(comparable(await inProcess.analyze(images[1])));
      expect(crashy.stats()).toMatchObject({ workers: 1, restarts: 1 });
    } finally {
      await crashy.close();
    }
  });

  it('close() is idempotent; afterwards analyze() rejects with MODEL.DISPOSED', async () => {
    const p = await createInferencePool({ pipelineDir: dir, workers: 1, backend: 'wasm' });
    const pending = errorOf(p.analyze(images[0]));
    await Promise.all([p.close(), p.close()]);
    await p.close();
    expect(isRopError(await pending, 'MODEL.DISPOSED')).toBe(true);
    expect(isRopError(await errorOf(p.analyze(images[0])), 'MODEL.DISPOSED')).toBe(true);
    expect(p.stats().workers).toBe(0);
  });
});
