import path from 'node:path';
import type { PluginContext } from '@ropline/core';
import { readDataset, type LoadedDataset } from '@ropline/datasets';
import { loadModel, saveModel, type LoadedModel, type LossFn } from '@ropline/models';
import { RopError } from '@ropline/core';
import { fit, type FitData, type FitProgress, type FitState } from './fit-loop.js';
import type { LoopSettings, TrainingProfile } from './profiles.js';
import { appendEpochLog, finishRun, MODEL_SUBDIR, readRun, startRun, type RunInfo } from './training-run.js';

/** Options every training command shares (recorded in run.json; --resume reads them back). */
export interface CommonTrainOptions {
  /** Dataset folder (ropline-dataset/1, split). */
  data: string;
  profile: TrainingProfile;
  seed: number;
  name: string;
  /** Default: '<dataset hash 8>-s<seed>-<profile>' — same data, seed and profile, same weights. */
  version?: string;
  /** Fine-tune from this model artifact instead of starting from seeded random weights. */
  init?: string;
}

export interface TrainHooks {
  runDir: string;
  resume?: boolean;
  signal?: AbortSignal;
  onProgress?(p: FitProgress): void;
  /** Loading / preprocessing the dataset: `done` of `total` images. */
  onLoad?(done: number, total: number, what: string): void;
  ctx: PluginContext;
}

export interface TrainResult {
  runDir: string;
  /** The best model artifact (null when interrupted before the first epoch ended). */
  modelDir: string | null;
  state: FitState;
}

/** What a model kind plugs into the shared run: how to build it and its data, and how to save it. */
export interface TrainSpec<O extends CommonTrainOptions> {
  kind: 'segmenter' | 'classifier';
  architecture: string;
  settings(o: O): LoopSettings;
  /** The architecture config (what saveModel records and loadModel rebuilds from). */
  config(o: O, version: string): Record<string, unknown>;
  create(config: Record<string, unknown>, ctx: PluginContext): Promise<LoadedModel>;
  /** Training and validation tensors (null validation = the dataset has none). */
  data(
    o: O,
    ds: LoadedDataset,
    model: LoadedModel,
    hooks: TrainHooks,
  ): Promise<{ train: FitData; validation: FitData | null }>;
  loss(model: LoadedModel): LossFn | 'categoricalCrossentropy';
  metrics: string[];
  /** Extra notes for the manifest's training section (e.g. the segmenter a hybrid used). */
  notes?(o: O): Record<string, unknown>;
}

export function defaultVersion(o: CommonTrainOptions, datasetHash: string): string {
  return o.version ?? `${datasetHash.slice(0, 8)}-s${o.seed}-${o.profile.name}`;
}

/** Training-time only: inference uses the moving statistics whatever the momentum was. */
function setBatchNormMomentum(model: LoadedModel, momentum: number): void {
  for (const layer of model.model.layers) {
    if (layer.getClassName() === 'BatchNormalization')
      (layer as unknown as { momentum: number }).momentum = momentum;
  }
}

async function createOrInit<O extends CommonTrainOptions>(
  spec: TrainSpec<O>,
  o: O,
  config: Record<string, unknown>,
  ctx: PluginContext,
): Promise<LoadedModel> {
  const model = await spec.create(config, ctx);
  if (!o.init) return model;
  // Fine-tuning: same architecture and config, weights from the given artifact (verified).
  const { model: init, manifest } = await loadModel(o.init, ctx);
  try {
    if (manifest.architecture !== spec.architecture)
      throw new RopError(
        'TRAIN.BAD_OPTION',
        `--init ${o.init} is a ${manifest.architecture}, this run trains a ${spec.architecture}`,
      );
    const a = init.model.weights.map((w) => w.shape.join('x'));
    const b = model.model.weights.map((w) => w.shape.join('x'));
    if (a.join(',') !== b.join(','))
      throw new RopError(
        'TRAIN.BAD_OPTION',
        `--init ${o.init} has a different architecture (depth, filters, input size, channels or classes)`,
      );
    model.model.setWeights(init.model.getWeights());
    return model;
  } catch (e) {
    model.dispose();
    throw e;
  } finally {
    init.dispose();
  }
}

/**
 * Runs (or resumes) one training run of `spec` into hooks.runDir. The best model by validation
 * loss is saved to runDir/model as a verified artifact whose manifest records the dataset hash,
 * seed, profile and epochs.
 */
export async function trainModel<O extends CommonTrainOptions>(
  spec: TrainSpec<O>,
  options: O | null,
  hooks: TrainHooks,
): Promise<TrainResult> {
  const { runDir, ctx } = hooks;
  let o: O;
  let ds: LoadedDataset;
  if (hooks.resume) {
    const run = await readRun<O>(runDir);
    if (run.kind !== spec.kind) throw new RopError('TRAIN.BAD_OPTION', `${runDir} trains a ${run.kind}`);
    o = run.options;
    ds = await readDataset(o.data);
    if (ds.manifest.hash !== run.dataset.hash)
      throw new RopError(
        'TRAIN.DATASET_CHANGED',
        `${o.data} changed since the run started (hash ${run.dataset.hash.slice(0, 12)} -> ${ds.manifest.hash.slice(0, 12)}): start a new run`,
      );
  } else {
    if (!options) throw new RopError('TRAIN.BAD_OPTION', 'no training options and no run to resume');
    o = options;
    ds = await readDataset(o.data);
    const info: RunInfo<O> = {
      format: 'ropline-run/1',
      kind: spec.kind,
      options: o,
      dataset: { dir: path.resolve(o.data), name: ds.manifest.name, hash: ds.manifest.hash },
      startedAt: new Date().toISOString(),
    };
    await startRun(runDir, info);
  }
  const version = defaultVersion(o, ds.manifest.hash);
  const config = spec.config(o, version);
  const model = await createOrInit(spec, o, config, ctx);
  const modelDir = path.join(runDir, MODEL_SUBDIR);
  let saved = hooks.resume === true;
  try {
    const { train, validation } = await spec.data(o, ds, model, hooks);
    if (train.count === 0)
      throw new RopError('TRAIN.NO_DATA', `${o.data} has no training items for this model`);
    if (!validation)
      ctx.log(
        'warn',
        `${o.data} has no validation items: keeping the model with the lowest training loss (run \`rop dataset split\`)`,
      );
    const settings = spec.settings(o);
    setBatchNormMomentum(model, settings.batchNormMomentum);
    const state = await fit({
      model: model.model,
      loss: spec.loss(model),
      metrics: spec.metrics,
      settings,
      seed: o.seed,
      train,
      validation,
      runDir,
      resume: hooks.resume === true,
      signal: hooks.signal,
      onProgress: hooks.onProgress,
      onEpochEnd: (record) => appendEpochLog(runDir, record),
      ctx,
      onBest: async (epoch, record) => {
        await saveModel(modelDir, model, {
          architecture: spec.architecture,
          config,
          training: {
            datasetHash: ds.manifest.hash,
            seed: o.seed,
            profile: o.profile.name,
            notes: {
              epoch,
              dataset: ds.manifest.name,
              ...(o.init ? { initFrom: o.init } : {}),
              ...spec.notes?.(o),
            },
          },
          metrics: { loss: record.loss, valLoss: record.valLoss, ...record.metrics },
        });
        saved = true;
      },
    });
    await finishRun(runDir, `${o.name} ${version}`, state);
    return { runDir, modelDir: saved ? modelDir : null, state };
  } finally {
    model.dispose();
  }
}
