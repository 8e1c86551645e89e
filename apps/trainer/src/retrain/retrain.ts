import { createHash } from 'node:crypto';
import { cp, mkdir, readFile, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { RopError, type PluginContext } from '@ropline/core';
import { readDataset, splitDataset, PAPER_RATIOS, type LoadedDataset, type Stage } from '@ropline/datasets';
import {
  loadPipeline,
  pipelineManifestSchema,
  PIPELINE_MANIFEST_FILE,
  readModelManifest,
  savePipelineManifest,
  type ModelManifest,
  type PipelineManifest,
} from '@ropline/models';
import type {
  HeldOutEvaluation,
  HeldOutSet,
  ModelRegistry,
  RegisterResult,
  RetrainMetrics,
} from '@ropline/registry';
import { evaluatePipeline, type PipelineEvaluation } from '../evaluate.js';
import type { FitProgress } from '../fit-loop.js';
import { profileSchema, type TrainingProfile } from '../profiles.js';
import { trainClassifier } from '../train-classifier.js';
import { trainSegmenter } from '../train-segmenter.js';
import type { TrainHooks } from '../train-model.js';
import { RETRAIN_REPORT_FILES, writeRetrainReport } from './retrain-report.js';

/**
 * Fine-tuning (`from: 'active'`) continues from the active pipeline's weights with the profile's
 * optimiser at the profile's learning rate divided by this: large enough to adapt to new data in
 * a few epochs, small enough not to wipe out what the active model learned (the usual 10x
 * reduction for fine-tuning a trained network).
 */
export const FINE_TUNE_LR_FACTOR = 0.1;

export interface RetrainOptions {
  /** Dataset folder (ropline-dataset/1): a snapshot. Split 6:3:1 by infant (into out/dataset) if unsplit. */
  dataset: string;
  /** 'active': fine-tune the active pipeline's segmenter and classifier; 'scratch': train both anew. */
  from: 'active' | 'scratch';
  /** The active hybrid pipeline directory (pipeline.json + segmenter/ + classifier/). */
  activePipelineDir: string;
  profile: TrainingProfile;
  seed: number;
  /** Work folder: dataset/ (if split here), runs/, pipeline/ (the candidate). Must not hold a retrain. */
  out: string;
  /** Override the profile's epochs per model. */
  epochs?: { segmenter?: number; classifier?: number };
  /** Candidate version (default `<activeVersion>+rt.<datasetHash8>.<seed>`, `.scratch` appended from scratch). */
  version?: string;
  /**
   * Seed of the 6:3:1 split when the snapshot has none (default 1, independent of `seed`, so
   * candidates trained with different seeds are held out on the same items).
   */
  splitSeed?: number;
  /** Bootstrap resamples for the 95 % CIs (default 1000). */
  bootstrapIterations?: number;
  /** A step starts: 'split dataset', 'train segmenter', 'train classifier', 'evaluate candidate', ... */
  onStep?(step: string, index: number, total: number): void;
  onProgress?(p: FitProgress): void;
  onLoad?(done: number, total: number, what: string): void;
  signal?: AbortSignal;
  ctx?: PluginContext;
}

export interface RetrainResult {
  /** The candidate pipeline directory (with retrain-report.md/.json and the chart). */
  candidateDir: string;
  name: string;
  version: string;
  /** What `registerCandidate` stores in the registry row (and the metric gate reads). */
  metrics: RetrainMetrics;
  /** The full evaluations (per item predictions), as in retrain-report.json. */
  evaluations: { candidate: PipelineEvaluation; active: PipelineEvaluation };
  /** Report files inside candidateDir (registered as attachments). */
  reportFiles: string[];
  /** The dataset trained and evaluated on (the snapshot, or its split copy). */
  datasetDir: string;
}

const quiet: PluginContext = { log: () => undefined };

interface ActivePipeline {
  dir: string;
  manifest: PipelineManifest;
  segmenterDir: string;
  classifierDir: string;
  segmenter: ModelManifest;
  classifier: ModelManifest;
  stages: Stage[];
}

async function readActive(dir: string): Promise<ActivePipeline> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path.join(dir, PIPELINE_MANIFEST_FILE), 'utf8'));
  } catch (e) {
    throw new RopError(
      'TRAIN.BAD_OPTION',
      `the active pipeline ${dir} has no readable ${PIPELINE_MANIFEST_FILE}: ${(e as Error).message}`,
    );
  }
  const manifest = pipelineManifestSchema.parse(raw);
  if (manifest.kind !== 'hybrid' || !manifest.segmenter || !manifest.classifier)
    throw new RopError(
      'TRAIN.BAD_OPTION',
      `the active pipeline ${dir} is a ${manifest.kind} pipeline; retraining needs a hybrid one (segmenter + classifier)`,
    );
  const segmenterDir = path.join(dir, manifest.segmenter);
  const classifierDir = path.join(dir, manifest.classifier);
  const segmenter = await readModelManifest(segmenterDir);
  const classifier = await readModelManifest(classifierDir);
  if (segmenter.classes.length !== 1 || segmenter.kind !== 'segmenter')
    throw new RopError('TRAIN.BAD_OPTION', `${segmenterDir} is not a binary line segmenter`);
  const stages = classifier.classes.map((c) => {
    const m = /^stage([0-3])$/.exec(c);
    if (!m) throw new RopError('TRAIN.BAD_OPTION', `${classifierDir}: class '${c}' is not a stage label`);
    return Number(m[1]) as Stage;
  });
  return { dir, manifest, segmenterDir, classifierDir, segmenter, classifier, stages };
}

const num = (v: unknown, what: string): number => {
  if (typeof v !== 'number') throw new RopError('TRAIN.BAD_OPTION', `the active model has no ${what}`);
  return v;
};

/**
 * The profile a run trains with. From the active pipeline: the active models' architecture (input
 * size, U-Net depth/filters/threshold, classifier architecture/blocks/filters, so their weights
 * fit) with the profile's optimiser, batch size, epochs and early stopping, learning rate x
 * FINE_TUNE_LR_FACTOR. From scratch: the profile as is.
 */
export function retrainProfile(
  base: TrainingProfile,
  from: 'active' | 'scratch',
  active: Pick<ActivePipeline, 'segmenter' | 'classifier'>,
  epochs: RetrainOptions['epochs'] = {},
): TrainingProfile {
  const p = structuredClone(base);
  if (from === 'active') {
    const seg = active.segmenter;
    const cls = active.classifier;
    if (seg.input.width !== cls.input.width)
      throw new RopError(
        'TRAIN.BAD_OPTION',
        'the active segmenter and classifier have different input sizes',
      );
    p.inputSize = seg.input.width;
    p.segmenter.depth = num(seg.config['depth'], 'U-Net depth');
    p.segmenter.baseFilters = num(seg.config['baseFilters'], 'U-Net filters');
    p.segmenter.confidenceThreshold = num(seg.config['confidenceThreshold'], 'confidence threshold');
    if (cls.architecture !== 'classifier-compact-cnn' && cls.architecture !== 'classifier-inception-v3')
      throw new RopError('TRAIN.BAD_OPTION', `cannot fine-tune a ${cls.architecture}`);
    p.classifier.architecture = cls.architecture;
    if (cls.architecture === 'classifier-compact-cnn') {
      p.classifier.blocks = num(cls.config['blocks'], 'classifier blocks');
      p.classifier.baseFilters = num(cls.config['baseFilters'], 'classifier filters');
    } else {
      delete p.classifier.blocks;
      delete p.classifier.baseFilters;
    }
    p.segmenter.optimizer.learningRate *= FINE_TUNE_LR_FACTOR;
    p.classifier.optimizer.learningRate *= FINE_TUNE_LR_FACTOR;
    p.description = `${base.description}; fine-tuning the active pipeline at lr x${FINE_TUNE_LR_FACTOR}`;
  }
  if (epochs.segmenter !== undefined) p.segmenter.epochs = epochs.segmenter;
  if (epochs.classifier !== undefined) p.classifier.epochs = epochs.classifier;
  const parsed = profileSchema.safeParse(p);
  if (!parsed.success) throw new RopError('TRAIN.BAD_OPTION', parsed.error.message);
  return parsed.data;
}

async function isEmptyOrMissing(dir: string): Promise<boolean> {
  return readdir(dir).then(
    (e) => e.length === 0,
    () => true,
  );
}

/** The snapshot as is when every item has a split; else a 6:3:1 split by infant (paper) in out/dataset. */
async function splitIfNeeded(
  dataset: string,
  out: string,
  seed: number,
): Promise<{ ds: LoadedDataset; dir: string; splitHere: boolean; sourceHash: string }> {
  const ds = await readDataset(dataset);
  const sourceHash = ds.manifest.hash;
  if (ds.items.length > 0 && ds.items.every((i) => i.split !== '')) {
    if (!ds.items.some((i) => i.split === 'test') || !ds.items.some((i) => i.split === 'train'))
      throw new RopError(
        'TRAIN.NO_DATA',
        `${dataset} is split but has no train or no test items: nothing to train on or to hold out`,
      );
    return { ds, dir: dataset, splitHere: false, sourceHash };
  }
  const dir = path.join(out, 'dataset');
  await splitDataset({ data: dataset, out: dir, seed, ratios: PAPER_RATIOS, groupBy: 'infant', force: true });
  return { ds: await readDataset(dir), dir, splitHere: true, sourceHash };
}

function heldOutSet(
  ds: LoadedDataset,
  e: PipelineEvaluation,
  stages: Stage[],
  bootstrap: HeldOutSet['bootstrap'],
) {
  const items = e.items.map((i) => i.id).sort();
  const infants = [...new Set(e.items.map((i) => i.infant))].sort();
  const fingerprint = createHash('sha256')
    .update(`ropline-heldout/1\n${ds.manifest.hash}\n${e.split}\n${stages.join(',')}\n${items.join('\n')}\n`)
    .digest('hex');
  return {
    datasetHash: ds.manifest.hash,
    split: e.split,
    stages: [...stages],
    items,
    infants,
    fingerprint,
    bootstrap,
  } satisfies HeldOutSet;
}

/** The numbers the gate compares: estimates on the full held-out set with 95 % CIs over infants. */
export function heldOutSummary(
  e: PipelineEvaluation,
  pipeline: { name: string; version: string },
  fingerprint: string,
): HeldOutEvaluation {
  const ci = (estimate: number, c: { lower: number; upper: number }) => ({
    estimate,
    lower: c.lower,
    upper: c.upper,
  });
  return {
    pipeline,
    heldOut: fingerprint,
    accuracy: ci(e.report.accuracy, e.ci.accuracy),
    macroF1: ci(e.report.macro.f1, e.ci.macroF1),
    kappaQuadratic: ci(e.report.kappa.quadratic, e.ci.kappaQuadratic),
    lineDice: e.segmentation ? ci(e.segmentation.dice.mean, e.segmentation.dice.ci) : null,
  };
}

async function evaluateDir(
  dir: string,
  ds: LoadedDataset,
  stages: Stage[],
  bootstrap: { iterations: number; seed: number },
  what: string,
  o: RetrainOptions,
  ctx: PluginContext,
): Promise<PipelineEvaluation> {
  const pipeline = await loadPipeline(dir, ctx);
  try {
    return await evaluatePipeline(pipeline, ds, {
      split: 'test',
      stages,
      bootstrap,
      onProgress: (d, t) => o.onLoad?.(d, t, `${what}: held-out images`),
      ctx,
    });
  } finally {
    pipeline.dispose();
  }
}

/**
 * Retrains the hybrid pipeline on a dataset snapshot and compares it with the active one:
 * split (6:3:1 by infant, if the snapshot has none) -> segmenter (fine-tuned from the active one,
 * or from scratch) -> hybrid classifier on that segmenter's predicted masks -> candidate pipeline
 * dir -> candidate AND active evaluated by `evaluatePipeline` on the same held-out (test) items ->
 * retrain-report.md/.json + a side-by-side chart written into the candidate dir (before it is
 * registered, so the registry's immutable copy keeps the evidence beside the model).
 */
export async function retrain(o: RetrainOptions): Promise<RetrainResult> {
  const ctx = o.ctx ?? quiet;
  if (o.from !== 'active' && o.from !== 'scratch')
    throw new RopError('TRAIN.BAD_OPTION', `from must be 'active' or 'scratch', not ${String(o.from)}`);
  const active = await readActive(o.activePipelineDir);
  const candidateDir = path.join(o.out, 'pipeline');
  const runs = path.join(o.out, 'runs');
  if (!(await isEmptyOrMissing(runs)) || !(await isEmptyOrMissing(candidateDir)))
    throw new RopError(
      'TRAIN.RUN_EXISTS',
      `${o.out} already holds a retrain (runs/ or pipeline/): choose another --out`,
    );
  await mkdir(o.out, { recursive: true });
  const total = 6;
  o.onStep?.('prepare dataset', 1, total);
  const { ds, dir: data, splitHere, sourceHash } = await splitIfNeeded(o.dataset, o.out, o.splitSeed ?? 1);
  const profile = retrainProfile(o.profile, o.from, active, o.epochs);
  const stages = active.stages;
  const hash8 = ds.manifest.hash.slice(0, 8);
  const suffix = `+rt.${hash8}.${o.seed}${o.from === 'scratch' ? '.scratch' : ''}`;
  const version = o.version ?? `${active.manifest.version}${suffix}`;
  const hooks = (runDir: string): TrainHooks => ({
    runDir,
    signal: o.signal,
    onProgress: o.onProgress,
    onLoad: o.onLoad,
    ctx,
  });
  const interrupted = (what: string) =>
    new RopError('TRAIN.INTERRUPTED', `retraining was interrupted while training the ${what}`);

  o.onStep?.(`train segmenter (${o.from === 'active' ? 'fine-tune' : 'from scratch'})`, 2, total);
  const seg = await trainSegmenter(
    {
      data,
      profile,
      seed: o.seed,
      name: active.segmenter.name,
      version: `${active.segmenter.version}${suffix}`,
      head: 'binary',
      stages,
      ...(o.from === 'active' ? { init: active.segmenterDir } : {}),
    },
    hooks(path.join(runs, 'segmenter')),
  );
  if (seg.state.status === 'interrupted' || !seg.modelDir) throw interrupted('segmenter');

  o.onStep?.(`train classifier (${o.from === 'active' ? 'fine-tune' : 'from scratch'})`, 3, total);
  const cls = await trainClassifier(
    {
      data,
      profile,
      seed: o.seed + 1,
      name: active.classifier.name,
      version: `${active.classifier.version}${suffix}`,
      input: 'hybrid',
      stages,
      segmenter: seg.modelDir,
      ...(o.from === 'active' ? { init: active.classifierDir } : {}),
    },
    hooks(path.join(runs, 'classifier')),
  );
  if (cls.state.status === 'interrupted' || !cls.modelDir) throw interrupted('classifier');

  await rm(candidateDir, { recursive: true, force: true });
  await mkdir(candidateDir, { recursive: true });
  await cp(seg.modelDir, path.join(candidateDir, 'segmenter'), { recursive: true });
  await cp(cls.modelDir, path.join(candidateDir, 'classifier'), { recursive: true });
  await savePipelineManifest(candidateDir, {
    kind: 'hybrid',
    name: active.manifest.name,
    version,
    segmenter: 'segmenter',
    classifier: 'classifier',
  });

  const bootstrap = { iterations: o.bootstrapIterations ?? 1000, seed: o.seed };
  o.onStep?.('evaluate candidate (held-out)', 4, total);
  const candidateEval = await evaluateDir(candidateDir, ds, stages, bootstrap, 'candidate', o, ctx);
  o.onStep?.('evaluate active (same held-out)', 5, total);
  const activeEval = await evaluateDir(o.activePipelineDir, ds, stages, bootstrap, 'active', o, ctx);
  const ids = (e: PipelineEvaluation) => e.items.map((i) => i.id).join('\n');
  if (ids(candidateEval) !== ids(activeEval))
    throw new RopError('TRAIN.INTERNAL', 'candidate and active were evaluated on different items');

  const heldOut = heldOutSet(ds, candidateEval, stages, bootstrap);
  const metrics: RetrainMetrics = {
    candidate: heldOutSummary(candidateEval, { name: active.manifest.name, version }, heldOut.fingerprint),
    active: heldOutSummary(
      activeEval,
      { name: active.manifest.name, version: active.manifest.version },
      heldOut.fingerprint,
    ),
    heldOut,
  };
  o.onStep?.('report', 6, total);
  await writeRetrainReport(candidateDir, {
    from: o.from,
    profile,
    seed: o.seed,
    fineTuneLrFactor: o.from === 'active' ? FINE_TUNE_LR_FACTOR : null,
    dataset: {
      dir: path.resolve(data),
      sourceDir: path.resolve(o.dataset),
      sourceHash,
      splitHere,
      manifest: ds.manifest,
    },
    activeDir: path.resolve(o.activePipelineDir),
    metrics,
    evaluations: { candidate: candidateEval, active: activeEval },
    training: { segmenter: seg.state, classifier: cls.state },
  });
  return {
    candidateDir,
    name: active.manifest.name,
    version,
    metrics,
    evaluations: { candidate: candidateEval, active: activeEval },
    reportFiles: [...RETRAIN_REPORT_FILES],
    datasetDir: data,
  };
}

/**
 * Registers the candidate pipeline as a `candidate` with metrics = { candidate, active, heldOut }
 * (what `metricGate` reads) and the reports copied into the registry's immutable copy.
 */
export function registerCandidate(
  registry: Pick<ModelRegistry, 'register'>,
  r: RetrainResult,
  opts: { actor: string },
): Promise<RegisterResult> {
  return registry.register(r.candidateDir, {
    actor: opts.actor,
    metrics: { ...r.metrics },
    attachments: r.reportFiles,
  });
}
