import { MODEL_REGISTRY, segmentationLoss, type LoadedModel, type UnetSegmenter } from '@ropline/models';
import type { Stage } from '@ropline/datasets';
import { binaryTargets, multiClassTargets, stackInputs } from './fit-data.js';
import type { FitData } from './fit-loop.js';
import {
  trainModel,
  type CommonTrainOptions,
  type TrainHooks,
  type TrainResult,
  type TrainSpec,
} from './train-model.js';
import { loadSamples, selectItems, stageLabel, type Sample } from './training-data.js';

export interface TrainSegmenterOptions extends CommonTrainOptions {
  /** 'binary': the hybrid's line finder; 'multiclass': the segmentation-only baseline (one class per stage). */
  head: 'binary' | 'multiclass';
  /** Stages the multi-class head separates (stage 0 = images with no line: background only). */
  stages: Stage[];
}

function lineStages(o: TrainSegmenterOptions): Stage[] {
  return o.stages.filter((s) => s > 0);
}

function toFitData(o: TrainSegmenterOptions, samples: Sample[], outputChannels: number): FitData {
  const first = samples[0]?.input;
  const shape: [number, number, number] = [first?.height ?? 0, first?.width ?? 0, 1];
  const stages = lineStages(o);
  const y =
    o.head === 'binary'
      ? binaryTargets(samples.map((s) => s.mask))
      : multiClassTargets(
          samples.map((s) => s.mask),
          samples.map((s) => (s.stage === null ? -1 : stages.indexOf(s.stage))),
          stages.length,
        );
  return {
    x: stackInputs(samples.map((s) => s.input)),
    y,
    count: samples.length,
    xShape: shape,
    yShape: [shape[0], shape[1], outputChannels],
  };
}

export const segmenterSpec: TrainSpec<TrainSegmenterOptions> = {
  kind: 'segmenter',
  architecture: 'segmenter-unet',
  metrics: [],
  settings: (o) => o.profile.segmenter,
  config: (o, version) => ({
    name: o.name,
    version,
    inputSize: o.profile.inputSize,
    depth: o.profile.segmenter.depth,
    baseFilters: o.profile.segmenter.baseFilters,
    head: o.head,
    ...(o.head === 'multiclass' ? { classes: lineStages(o).map(stageLabel) } : {}),
    confidenceThreshold: o.profile.segmenter.confidenceThreshold,
    seed: o.seed,
  }),
  create: (config, ctx) => MODEL_REGISTRY.create<LoadedModel>('segmenter', 'segmenter-unet', config, ctx),
  loss: (m) => segmentationLoss((m as unknown as UnetSegmenter).outputChannels),
  async data(o, ds, model, hooks) {
    // Binary: every image teaches where lines are and are not. Multi-class: images of the
    // separated stages, plus stage-0 images as pure background.
    const stages = o.head === 'binary' ? null : ([0, ...lineStages(o)] as Stage[]);
    const load = async (split: 'train' | 'validation') => {
      const items = selectItems(ds, { split, stages });
      return loadSamples(ds, items, model.info.preprocessing, (d, t) =>
        hooks.onLoad?.(d, t, `${split} images`),
      );
    };
    const outputChannels = (model as unknown as UnetSegmenter).outputChannels;
    const train = await load('train');
    const validation = await load('validation');
    return {
      train: toFitData(o, train, outputChannels),
      validation: validation.length ? toFitData(o, validation, outputChannels) : null,
    };
  },
};

/** Trains (or resumes) a U-Net segmenter: the paper's line finder or its multi-class baseline. */
export function trainSegmenter(
  options: TrainSegmenterOptions | null,
  hooks: TrainHooks,
): Promise<TrainResult> {
  return trainModel(segmenterSpec, options, hooks);
}
