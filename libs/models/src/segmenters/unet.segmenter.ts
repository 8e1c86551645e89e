import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import type { ImageF32, PluginContext, PluginManifest } from '@ropline/core';
import { createFoldedInference } from '../layers-util/fold-batch-norm.js';
import { imageToBatch } from '../layers-util/image-tensor.util.js';
import {
  inputSizeSchema,
  modelConfigShape,
  pretrainedSchema,
  resolvePreprocessing,
} from '../layers-util/model-config.schema.js';
import {
  assertNotDisposed,
  disposeOnce,
  initialiseWeights,
  parseModelConfig,
  warmUp,
} from '../layers-util/model-loading.js';
import type { TransferReport } from '../layers-util/transfer.js';
import {
  decodeBinarySegmentation,
  decodeMultiClassSegmentation,
  type InstanceRules,
} from '../mask-geometry/mask-instances.util.js';
import { DEFAULT_STAGE_CLASSES, type ModelInfo } from '../ports/model-info.js';
import type { SegmentationResult, Segmenter } from '../ports/segmenter.port.js';
import { buildUnet, UNET_HEAD_LAYER } from './unet.model.js';

/**
 * U-Net segmenter config. `head: 'binary'` is the hybrid pipeline's line finder (one class,
 * 'line'); `head: 'multiclass'` is the segmentation-only baseline (IV): softmax over background +
 * one class per stage. Thresholds follow the paper (confidence 0.8, IV).
 */
export const unetSegmenterConfigSchema = z
  .object({
    name: z.string().min(1).default('unet'),
    ...modelConfigShape,
    inputSize: inputSizeSchema.prefault(299),
    /** 1 for the preprocessed gray image. */
    inputChannels: z.number().int().min(1).max(4).default(1),
    depth: z.number().int().min(1).max(6).default(4),
    baseFilters: z.number().int().min(1).max(256).default(16),
    batchNorm: z.boolean().default(true),
    head: z.enum(['binary', 'multiclass']).default('binary'),
    /** Default: ['line'] for binary, the stages for multiclass. */
    classes: z.array(z.string().min(1)).min(1).optional(),
    /** Binary head: a pixel is line when its probability is > this. */
    pixelThreshold: z.number().min(0).max(1).default(0.5),
    /** An instance is kept when the mean probability of its pixels is >= this (paper: 0.8). */
    confidenceThreshold: z.number().min(0).max(1).default(0.8),
    /** Douglas–Peucker tolerance of the instance polygons, pixels. */
    simplifyTolerancePx: z.number().min(0).max(100).default(1),
    pretrained: pretrainedSchema('heads').optional(),
  })
  .strict()
  .transform((c, ctx) => {
    const classes = c.classes ?? (c.head === 'binary' ? ['line'] : [...DEFAULT_STAGE_CLASSES]);
    if (c.head === 'binary' && classes.length !== 1) {
      ctx.addIssue({ code: 'custom', message: 'a binary head has exactly one class', path: ['classes'] });
    }
    if (new Set(classes).size !== classes.length) {
      ctx.addIssue({ code: 'custom', message: 'class labels must be unique', path: ['classes'] });
    }
    return { ...c, classes, preprocessing: resolvePreprocessing(c.preprocessing, c.inputSize, ctx) };
  });

export type UnetSegmenterConfig = z.output<typeof unetSegmenterConfigSchema>;
export type UnetSegmenterConfigInput = z.input<typeof unetSegmenterConfigSchema>;

/** The Segmenter port plus what the trainer needs: the tf model and its config. */
export interface UnetSegmenter extends Segmenter {
  /** The underlying model (owned by the segmenter: dispose() frees it). Train it in place. */
  readonly model: tf.LayersModel;
  /**
   * The model segment() predicts with: `model` with its BatchNormalizations folded into the convs
   * (re-folded when `model`'s weights changed). Owned by the segmenter; valid until dispose().
   */
  inferenceModel(): tf.LayersModel;
  readonly config: UnetSegmenterConfig;
  /** Output channels: 1 (binary) or classes + 1 (multiclass, channel 0 = background). */
  readonly outputChannels: number;
  /** What transfer learning copied / re-initialised, when `pretrained` was given. */
  readonly transfer: TransferReport | null;
}

export function unetOutputChannels(config: Pick<UnetSegmenterConfig, 'head' | 'classes'>): number {
  return config.head === 'binary' ? 1 : config.classes.length + 1;
}

/** Builds the (untrained) U-Net a config describes. */
export function buildUnetForConfig(config: UnetSegmenterConfig): tf.LayersModel {
  return buildUnet({
    inputSize: config.inputSize,
    inputChannels: config.inputChannels,
    depth: config.depth,
    baseFilters: config.baseFilters,
    batchNorm: config.batchNorm,
    outputChannels: unetOutputChannels(config),
    seed: config.seed,
  });
}

/**
 * Wraps a built model (e.g. just trained) as a Segmenter; takes ownership of `model`.
 * `segment` runs the model in tf.tidy and returns plain arrays: nothing for the caller to dispose.
 * It predicts with a copy of `model` whose BatchNormalizations are folded into the convolutions
 * (same outputs, faster); the copy is folded again when `model`'s weights changed (trained in
 * place), and freed by dispose().
 */
export function createUnetSegmenter(
  config: UnetSegmenterConfig,
  model: tf.LayersModel,
  transfer: TransferReport | null = null,
): UnetSegmenter {
  const info: ModelInfo = {
    kind: 'segmenter',
    name: config.name,
    version: config.version,
    classes: config.classes,
    inputSize: config.inputSize,
    inputChannels: config.inputChannels,
    preprocessing: config.preprocessing,
  };
  const rules: InstanceRules = {
    pixelThreshold: config.pixelThreshold,
    confidenceThreshold: config.confidenceThreshold,
    simplifyTolerancePx: config.simplifyTolerancePx,
  };
  const outputChannels = unetOutputChannels(config);
  const inference = createFoldedInference(model);
  warmUp(inference.current());
  const life = disposeOnce(model, () => inference.dispose());
  return {
    info,
    model,
    config,
    outputChannels,
    transfer,
    inferenceModel: () => {
      assertNotDisposed(life.disposed, info.name);
      return inference.current();
    },
    async segment(input: ImageF32): Promise<SegmentationResult> {
      assertNotDisposed(life.disposed, info.name);
      const output = tf.tidy(() => inference.current().predict(imageToBatch(input, info)) as tf.Tensor);
      let values: Float32Array;
      try {
        values = (await output.data()) as Float32Array;
      } finally {
        output.dispose();
      }
      const { width, height } = info.inputSize;
      const decoded =
        config.head === 'binary'
          ? decodeBinarySegmentation(values, width, height, config.classes[0], rules)
          : decodeMultiClassSegmentation(values, width, height, config.classes, rules);
      return {
        width,
        height,
        classes: [...config.classes],
        probability: decoded.probability,
        labels: decoded.labels,
        mask: { data: decoded.mask, width, height, channels: 1 },
        instances: decoded.instances,
      };
    },
    dispose: () => life.dispose(),
  };
}

/**
 * Validates the config (RopError CONFIG.INVALID), builds the U-Net, loads its weights (trained:
 * `weightsDir`; transfer learning: `pretrained`, heads = the output conv) and warms it up.
 */
export async function loadUnetSegmenter(
  config: UnetSegmenterConfigInput | UnetSegmenterConfig = {},
  ctx?: PluginContext,
): Promise<UnetSegmenter> {
  const c = parseModelConfig(unetSegmenterConfigSchema, config, 'unet segmenter');
  const model = buildUnetForConfig(c);
  try {
    const transfer = await initialiseWeights(model, c, [UNET_HEAD_LAYER], ctx);
    warmUp(model);
    ctx?.log('info', `segmenter ${c.name} ${c.version} ready`, { params: model.countParams(), head: c.head });
    return createUnetSegmenter(c, model, transfer);
  } catch (e) {
    model.dispose();
    throw e;
  }
}

export const unetSegmenterPlugin: PluginManifest<UnetSegmenterConfig, UnetSegmenter> = {
  kind: 'segmenter',
  id: 'segmenter-unet',
  configSchema: unetSegmenterConfigSchema,
  create: (config, ctx) => loadUnetSegmenter(config, ctx),
};
