import { RopError, type ImageF32 } from '@ropline/core';
import type { Stage } from '@ropline/datasets';
import { loadModel, MODEL_REGISTRY, type LoadedModel, type Segmenter } from '@ropline/models';
import { stackChannels } from '@ropline/preprocess';
import { oneHot, stackInputs } from './fit-data.js';
import type { FitData } from './fit-loop.js';
import {
  trainModel,
  type CommonTrainOptions,
  type TrainHooks,
  type TrainResult,
  type TrainSpec,
} from './train-model.js';
import { readRun } from './training-run.js';
import { loadSamples, selectItems, stageLabel, type Sample } from './training-data.js';

export interface TrainClassifierOptions extends CommonTrainOptions {
  /** 'hybrid': image + the segmenter's line mask (2 channels, the paper's system); 'image': 1 channel (baseline). */
  input: 'hybrid' | 'image';
  /** The stages to tell apart, in order (the classes are 'stage<N>'). */
  stages: Stage[];
  /** Hybrid only: the trained line segmenter whose masks make channel 2 (as the paper trains it). */
  segmenter?: string;
}

function toFitData(inputs: ImageF32[], labels: number[], classes: number): FitData {
  const f = inputs[0];
  return {
    x: stackInputs(inputs),
    y: oneHot(labels, classes),
    count: inputs.length,
    xShape: [f?.height ?? 0, f?.width ?? 0, f?.channels ?? 1],
    yShape: [classes],
  };
}

/**
 * Hybrid inputs the way the pipeline builds them at inference: the segmenter's kept-instance mask
 * (confidence threshold applied) stacked on the preprocessed image. Never the ground-truth mask.
 */
async function hybridInputs(
  samples: Sample[],
  segmenter: Segmenter,
  onDone: (d: number, t: number) => void,
): Promise<ImageF32[]> {
  const out: ImageF32[] = [];
  for (const s of samples) {
    out.push(stackChannels(s.input, (await segmenter.segment(s.input)).mask));
    onDone(out.length, samples.length);
  }
  return out;
}

export const classifierSpec = (architecture: string): TrainSpec<TrainClassifierOptions> => ({
  kind: 'classifier',
  architecture,
  metrics: ['accuracy'],
  settings: (o) => o.profile.classifier,
  config: (o, version) => ({
    name: o.name,
    version,
    inputSize: o.profile.inputSize,
    inputChannels: o.input === 'hybrid' ? 2 : 1,
    classes: o.stages.map(stageLabel),
    seed: o.seed,
    ...(architecture === 'classifier-compact-cnn'
      ? { blocks: o.profile.classifier.blocks, baseFilters: o.profile.classifier.baseFilters }
      : {}),
  }),
  create: (config, ctx) => MODEL_REGISTRY.create<LoadedModel>('classifier', architecture, config, ctx),
  loss: () => 'categoricalCrossentropy',
  notes: (o) => ({ input: o.input, ...(o.segmenter ? { segmenter: o.segmenter } : {}) }),
  async data(o, ds, model, hooks) {
    let segmenter: LoadedModel | null = null;
    if (o.input === 'hybrid') {
      if (!o.segmenter)
        throw new RopError(
          'TRAIN.BAD_OPTION',
          "a hybrid classifier trains on a segmenter's masks: give --segmenter DIR",
        );
      segmenter = (await loadModel(o.segmenter, hooks.ctx)).model;
      const seg = segmenter.info;
      if (seg.kind !== 'segmenter' || seg.classes.length !== 1) {
        segmenter.dispose();
        throw new RopError('TRAIN.BAD_OPTION', `--segmenter ${o.segmenter} is not a binary line segmenter`);
      }
      if (JSON.stringify(seg.preprocessing) !== JSON.stringify(model.info.preprocessing)) {
        segmenter.dispose();
        throw new RopError(
          'TRAIN.BAD_OPTION',
          `--segmenter ${o.segmenter} was trained with other preprocessing or input size than this classifier (${seg.inputSize.width} vs ${model.info.inputSize.width} px)`,
        );
      }
    }
    try {
      const load = async (split: 'train' | 'validation') => {
        const items = selectItems(ds, { split, stages: o.stages });
        const samples = await loadSamples(ds, items, model.info.preprocessing, (d, t) =>
          hooks.onLoad?.(d, t, `${split} images`),
        );
        const inputs = segmenter
          ? await hybridInputs(samples, segmenter as unknown as Segmenter, (d, t) =>
              hooks.onLoad?.(d, t, `${split} masks`),
            )
          : samples.map((s) => s.input);
        return toFitData(
          inputs,
          samples.map((s) => o.stages.indexOf(s.stage as Stage)),
          o.stages.length,
        );
      };
      const train = await load('train');
      const validation = await load('validation');
      return { train, validation: validation.count ? validation : null };
    } finally {
      segmenter?.dispose();
    }
  },
});

/** Trains (or resumes) a stage classifier: hybrid (image + predicted mask) or image-only. */
export async function trainClassifier(
  options: TrainClassifierOptions | null,
  hooks: TrainHooks,
): Promise<TrainResult> {
  const o = options ?? (await readRun<TrainClassifierOptions>(hooks.runDir)).options;
  return trainModel(classifierSpec(o.profile.classifier.architecture), options, hooks);
}
