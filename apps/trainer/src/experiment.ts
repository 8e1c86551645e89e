import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { RopError, type PluginContext } from '@ropline/core';
import { readDataset, type Stage } from '@ropline/datasets';
import { loadPipeline, savePipelineManifest, type PipelineKind } from '@ropline/models';
import { evaluatePipeline, type PipelineEvaluation } from './evaluate.js';
import type { FitProgress, FitState } from './fit-loop.js';
import type { TrainingProfile } from './profiles.js';
import { writeExperimentReport } from './experiment-report.js';
import { trainClassifier } from './train-classifier.js';
import { trainSegmenter } from './train-segmenter.js';
import type { TrainHooks, TrainResult } from './train-model.js';
import { MODEL_SUBDIR } from './training-run.js';

export interface ExperimentOptions {
  data: string;
  out: string;
  profile: TrainingProfile;
  seed: number;
  /** Stages the classifiers separate (paper: 1, 2, 3). */
  stages: Stage[];
  /** Name prefix of the models and pipelines. */
  name: string;
  bootstrapIterations: number;
}

export interface ExperimentHooks {
  signal?: AbortSignal;
  /** A step starts ('train segmenter-line', 'evaluate hybrid', ...). */
  onStep?(step: string, index: number, total: number): void;
  onProgress?(p: FitProgress): void;
  onLoad?(done: number, total: number, what: string): void;
  ctx: PluginContext;
}

export interface ExperimentResult {
  out: string;
  interrupted: boolean;
  pipelines: Partial<Record<PipelineKind, string>>;
  evaluations: Partial<Record<PipelineKind, PipelineEvaluation>>;
}

const STEPS = ['segmenter-line', 'classifier-hybrid', 'classifier-image', 'segmenter-stages'] as const;
type Step = (typeof STEPS)[number];

async function readSummary(runDir: string): Promise<FitState | null> {
  try {
    return JSON.parse(await readFile(path.join(runDir, 'summary.json'), 'utf8')) as FitState;
  } catch {
    return null;
  }
}

async function hasRun(runDir: string): Promise<boolean> {
  return readFile(path.join(runDir, 'run.json')).then(
    () => true,
    () => false,
  );
}

/**
 * The paper's comparison (IV) on one dataset, split and seed: train the line segmenter, the hybrid
 * classifier on that segmenter's masks, the image-only classifier and the multi-class segmenter;
 * assemble the three pipelines; evaluate them on the test split; write report.md/json + PNGs.
 * Re-running the same command continues where an interrupted run stopped (finished steps are kept).
 */
export async function runExperiment(o: ExperimentOptions, hooks: ExperimentHooks): Promise<ExperimentResult> {
  const ds = await readDataset(o.data);
  const bySplit = ds.manifest.counts.bySplit;
  if (!bySplit['train'] || !bySplit['test'])
    throw new RopError(
      'TRAIN.NO_DATA',
      `${o.data} needs train and test splits (run \`rop dataset split --data ${o.data} --seed ${o.seed}\`)`,
    );
  const runs = path.join(o.out, 'runs');
  await mkdir(runs, { recursive: true });
  const stamp = path.join(o.out, 'experiment.json');
  const prev = await readFile(stamp, 'utf8').then(
    (s) => JSON.parse(s) as { datasetHash: string; options: unknown },
    () => null,
  );
  const recorded = { datasetHash: ds.manifest.hash, options: { ...o, out: undefined } };
  if (prev && JSON.stringify(prev) !== JSON.stringify(JSON.parse(JSON.stringify(recorded))))
    throw new RopError(
      'TRAIN.RUN_EXISTS',
      `${o.out} holds an experiment with other options or data: choose another --out`,
    );
  await writeFile(stamp, `${JSON.stringify(recorded, null, 2)}\n`);

  const models: Partial<Record<Step, string>> = {};
  const common = { data: o.data, profile: o.profile };
  const total = STEPS.length + 3;
  for (const [i, step] of STEPS.entries()) {
    hooks.onStep?.(`train ${step}`, i + 1, total);
    const runDir = path.join(runs, step);
    const summary = await readSummary(runDir);
    let result: TrainResult;
    if (summary && summary.status !== 'interrupted' && summary.status !== 'running') {
      models[step] = path.join(runDir, MODEL_SUBDIR);
      continue;
    }
    const th: TrainHooks = {
      runDir,
      resume: await hasRun(runDir),
      signal: hooks.signal,
      onProgress: hooks.onProgress,
      onLoad: hooks.onLoad,
      ctx: hooks.ctx,
    };
    const seed = o.seed + i;
    if (step === 'segmenter-line') {
      result = await trainSegmenter(
        { ...common, seed, name: `${o.name}-line`, head: 'binary', stages: o.stages },
        th,
      );
    } else if (step === 'segmenter-stages') {
      result = await trainSegmenter(
        { ...common, seed, name: `${o.name}-stage-segmenter`, head: 'multiclass', stages: o.stages },
        th,
      );
    } else {
      const hybrid = step === 'classifier-hybrid';
      result = await trainClassifier(
        {
          ...common,
          seed,
          name: `${o.name}-${hybrid ? 'hybrid' : 'image'}-classifier`,
          input: hybrid ? 'hybrid' : 'image',
          stages: o.stages,
          ...(hybrid ? { segmenter: models['segmenter-line'] } : {}),
        },
        th,
      );
    }
    if (result.state.status === 'interrupted' || !result.modelDir)
      return { out: o.out, interrupted: true, pipelines: {}, evaluations: {} };
    models[step] = result.modelDir;
  }

  const parts: Record<PipelineKind, { segmenter?: string; classifier?: string }> = {
    hybrid: { segmenter: models['segmenter-line'], classifier: models['classifier-hybrid'] },
    'classifier-only': { classifier: models['classifier-image'] },
    'segmentation-only': { segmenter: models['segmenter-stages'] },
  };
  const pipelines: Partial<Record<PipelineKind, string>> = {};
  const evaluations: Partial<Record<PipelineKind, PipelineEvaluation>> = {};
  for (const [k, kind] of (Object.keys(parts) as PipelineKind[]).entries()) {
    hooks.onStep?.(`evaluate ${kind}`, STEPS.length + k + 1, total);
    const dir = path.join(o.out, 'pipelines', kind);
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    const p = parts[kind];
    if (p.segmenter) await cp(p.segmenter, path.join(dir, 'segmenter'), { recursive: true });
    if (p.classifier) await cp(p.classifier, path.join(dir, 'classifier'), { recursive: true });
    await savePipelineManifest(dir, {
      kind,
      name: `${o.name}-${kind}`,
      version: `${ds.manifest.hash.slice(0, 8)}-s${o.seed}-${o.profile.name}`,
      segmenter: p.segmenter ? 'segmenter' : null,
      classifier: p.classifier ? 'classifier' : null,
    });
    pipelines[kind] = dir;
    const pipeline = await loadPipeline(dir, hooks.ctx);
    try {
      evaluations[kind] = await evaluatePipeline(pipeline, ds, {
        split: 'test',
        stages: o.stages,
        bootstrap: { iterations: o.bootstrapIterations, seed: o.seed },
        onProgress: (d, t) => hooks.onLoad?.(d, t, `${kind}: test images`),
        ctx: hooks.ctx,
      });
    } finally {
      pipeline.dispose();
    }
  }
  hooks.onStep?.('report', total, total);
  await writeExperimentReport(o.out, {
    options: o,
    dataset: ds.manifest,
    evaluations: evaluations as Record<PipelineKind, PipelineEvaluation>,
  });
  return { out: o.out, interrupted: false, pipelines, evaluations };
}
