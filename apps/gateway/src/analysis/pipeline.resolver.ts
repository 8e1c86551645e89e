import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { RopError, type PluginContext } from '@ropline/core';
import type { Database } from '@ropline/db';
import type { StagingPipeline } from '@ropline/models';
import { PIPELINE_MANIFEST_FILE, pipelineManifestSchema } from '@ropline/models/manifest';
import type { PipelineSource, WorkerConfig } from './analysis.config.js';

export interface ResolvedPipeline {
  key: string;
  dir: string;
  name: string;
  version: string;
}

/** Loads the pipeline in a directory (pipelineLoader: on worker threads or on the event loop). */
export type PipelineLoader = (dir: string) => Promise<StagingPipeline>;

/**
 * The worker config's loader: `inferenceThreads` > 0 runs the models on that many worker threads
 * (createPooledPipeline), 0 on the caller's event loop. TensorFlow.js is imported with the first
 * pipeline: an api-only process never pays for it.
 */
export function pipelineLoader(
  worker: Pick<WorkerConfig, 'inferenceThreads' | 'backend'>,
  ctx: PluginContext,
): PipelineLoader {
  return async (dir) => {
    const models = await import('@ropline/models');
    if (worker.inferenceThreads === 0) return models.loadPipeline(dir, ctx);
    return models.createPooledPipeline({
      pipelineDir: dir,
      workers: worker.inferenceThreads,
      backend: worker.backend,
      ctx,
    });
  };
}

/**
 * Finds the pipeline a routing key names: a directory's pipeline.json, or the registry's active
 * version (looked up per call, so a promotion is picked up by the next job). Loaded pipelines are
 * cached by directory (registry copies are immutable, one directory per sha256).
 */
export class PipelineResolver {
  private readonly loaded = new Map<string, Promise<StagingPipeline>>();

  constructor(
    private readonly sources: Record<string, PipelineSource>,
    private readonly db: Database,
    private readonly ctx: PluginContext,
    private readonly loader: PipelineLoader,
  ) {}

  has(key: string): boolean {
    return Object.hasOwn(this.sources, key);
  }

  async resolve(key: string): Promise<ResolvedPipeline> {
    const source = this.sources[key];
    if (!source)
      throw new RopError('ANALYSIS.PIPELINE_UNKNOWN', `No pipeline '${key}' is configured`, { key });
    if ('registry' in source) {
      const m = await this.db.prisma.registeredModel.findFirst({
        where: { kind: 'pipeline', name: source.registry, status: 'active' },
      });
      if (!m && source.fallbackDir) return this.resolveDir(key, source.fallbackDir);
      if (!m) {
        throw new RopError(
          'ANALYSIS.PIPELINE_UNAVAILABLE',
          `No active registered pipeline '${source.registry}'`,
          {
            key,
          },
        );
      }
      return { key, dir: m.location, name: m.name, version: m.version };
    }
    return this.resolveDir(key, source.dir);
  }

  private async resolveDir(key: string, sourceDir: string): Promise<ResolvedPipeline> {
    const dir = path.resolve(sourceDir);
    const text = await readFile(path.join(dir, PIPELINE_MANIFEST_FILE), 'utf8').catch((e: unknown) => {
      throw new RopError(
        'ANALYSIS.PIPELINE_UNAVAILABLE',
        `Pipeline '${key}': cannot read ${PIPELINE_MANIFEST_FILE} in ${dir}`,
        { key },
        { cause: e },
      );
    });
    const m = pipelineManifestSchema.parse(JSON.parse(text));
    return { key, dir, name: m.name, version: m.version };
  }

  /** The version for singleton keys; 'unavailable' when it cannot be read (the job then fails visibly). */
  async versionOf(key: string): Promise<string> {
    return this.resolve(key).then(
      (r) => r.version,
      () => 'unavailable',
    );
  }

  load(resolved: ResolvedPipeline): Promise<StagingPipeline> {
    let p = this.loaded.get(resolved.dir);
    if (!p) {
      p = this.loader(resolved.dir);
      this.loaded.set(resolved.dir, p);
      p.catch(() => this.loaded.delete(resolved.dir));
    }
    return p;
  }

  async dispose(): Promise<void> {
    const all = [...this.loaded.values()];
    this.loaded.clear();
    for (const p of all) await (await p.catch(() => null))?.dispose();
  }
}
