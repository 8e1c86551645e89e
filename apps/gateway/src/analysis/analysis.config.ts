import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/** models/demo/pipelines/hybrid from the repository root (the demo model: synthetic, not clinical). */
export const DEMO_PIPELINE_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../../models/demo/pipelines/hybrid',
);

/** A pipeline directory (pipeline.json + model artifacts), or the active version of a registered pipeline. */
const pipelineSourceSchema = z.union([
  z.object({ dir: z.string().min(1) }).strict(),
  z
    .object({
      registry: z.string().min(1).max(128),
      /** Used while the registry has no active version of `registry` (e.g. the demo model). */
      fallbackDir: z.string().min(1).optional(),
    })
    .strict(),
]);

export const analysisConfigSchema = z
  .object({
    /** A study is due this long after its last routed instance (ms). */
    quietPeriodMs: z.number().int().min(0).max(86_400_000).default(30_000),
    /**
     * How often studies routed to analysis but never analysed (a trigger lost to a crash or a
     * queue error) are found and scheduled (ms); also once at start-up. 0: at start-up only.
     */
    catchUpIntervalMs: z.number().int().min(0).max(86_400_000).default(300_000),
    /** Directory of the `default` pipeline (shorthand for pipelines.default.dir). */
    pipelineDir: z.string().min(1).optional(),
    /** Pipelines that routing rules name (`analyze` rules' `pipeline`); `default` always exists. */
    pipelines: z.record(z.string().min(1).max(64), pipelineSourceSchema).default({}),
    /** Per-eye rule: only images whose predicted stage has at least this probability count. */
    eyeStageMinConfidence: z.number().min(0).max(1).default(0.5),
    queue: z
      .object({
        retryLimit: z.number().int().min(0).max(100).default(3),
        retryDelaySeconds: z.number().int().min(0).default(10),
        retryBackoff: z.boolean().default(true),
        expireInSeconds: z.number().int().min(1).default(900),
        /** pg-boss supervise/monitor interval: how soon an expired job (dead worker) is retried. */
        superviseIntervalSeconds: z.number().int().min(1).max(3600).default(60),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export const workerConfigSchema = z
  .object({
    /** Run the analysis worker inside the gateway process. */
    enabled: z.boolean().default(true),
    batchSize: z.number().int().min(1).max(64).default(2),
    /** pg-boss polls at least every 0.5 s. */
    pollingIntervalSeconds: z.number().min(0.5).default(0.5),
    backend: z.enum(['auto', 'tensorflow', 'wasm', 'cpu']).default('auto'),
    /**
     * Worker threads that run the models, each with its own copy of the pipeline (~0.5 GB), so the
     * process's event loop keeps receiving and serving while a study is analysed. 0: run them on
     * the event loop itself (one copy, but ingest stalls for each image's inference).
     */
    inferenceThreads: z.number().int().min(0).max(64).default(1),
  })
  .strict();

export type AnalysisConfig = z.output<typeof analysisConfigSchema>;
export type WorkerConfig = z.output<typeof workerConfigSchema>;
export type PipelineSource = z.output<typeof pipelineSourceSchema>;

/** The pipelines with `default` filled in: pipelineDir if given, else pipelines.default, else the demo pipeline. */
export function pipelineSources(config: AnalysisConfig): Record<string, PipelineSource> {
  return {
    default: { dir: DEMO_PIPELINE_DIR },
    ...config.pipelines,
    ...(config.pipelineDir ? { default: { dir: config.pipelineDir } } : {}),
  };
}
