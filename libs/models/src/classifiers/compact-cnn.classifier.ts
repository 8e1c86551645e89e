import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import type { PluginContext, PluginManifest } from '@ropline/core';
import { kerasBatchNormalization } from '../layers-util/keras-batch-norm.layer.js';
import type { InputSize } from '../layers-util/model-config.schema.js';
import { parseModelConfig } from '../layers-util/model-loading.js';
import { createSeededInitializers } from '../layers-util/seeded-initializers.js';
import { classifierConfigShape, finishClassifierConfig } from './classifier-config.schema.js';
import { finishLayersClassifier, type LayersClassifier } from './layers.classifier.js';

/**
 * A compact CNN with the Classifier interface of Inception v3: `blocks` x (conv 3x3 -> BN -> ReLU
 * -> max-pool 2), filters doubling from `baseFilters`, global average pooling, dense softmax.
 * ~25 k parameters by default against Inception's ~22 M: a baseline, and small enough to train
 * in CI at 64 x 64.
 */
export interface CompactCnnArchitecture {
  inputSize: InputSize;
  inputChannels: number;
  numClasses: number;
  blocks: number;
  baseFilters: number;
  seed?: number;
}

export const COMPACT_CNN_TOP = 'predictions';

export function buildCompactCnn(a: CompactCnnArchitecture): tf.LayersModel {
  const init = createSeededInitializers(a.seed);
  const input = tf.input({ shape: [a.inputSize.height, a.inputSize.width, a.inputChannels], name: 'image' });
  let x: tf.SymbolicTensor = input;
  for (let i = 0; i < a.blocks; i++) {
    x = tf.layers
      .conv2d({
        name: `block${i}_conv`,
        filters: a.baseFilters * 2 ** i,
        kernelSize: 3,
        padding: 'same',
        useBias: false,
        kernelInitializer: init.heNormal(),
      })
      .apply(x) as tf.SymbolicTensor;
    x = kerasBatchNormalization({ name: `block${i}_bn` }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.reLU({ name: `block${i}_relu` }).apply(x) as tf.SymbolicTensor;
    x = tf.layers
      .maxPooling2d({ name: `block${i}_pool`, poolSize: 2, strides: 2 })
      .apply(x) as tf.SymbolicTensor;
  }
  x = tf.layers.globalAveragePooling2d({ name: 'avg_pool' }).apply(x) as tf.SymbolicTensor;
  const output = tf.layers
    .dense({
      name: COMPACT_CNN_TOP,
      units: a.numClasses,
      activation: 'softmax',
      kernelInitializer: init.glorotUniform(),
    })
    .apply(x) as tf.SymbolicTensor;
  return tf.model({ name: 'compact_cnn', inputs: input, outputs: output });
}

export const compactCnnClassifierConfigSchema = z
  .object({
    name: z.string().min(1).default('compact-cnn'),
    ...classifierConfigShape,
    blocks: z.number().int().min(1).max(8).default(4),
    baseFilters: z.number().int().min(1).max(256).default(8),
  })
  .strict()
  .transform((c, ctx) => {
    if (Math.min(c.inputSize.width, c.inputSize.height) < 2 ** c.blocks) {
      ctx.addIssue({
        code: 'custom',
        message: `${c.blocks} blocks need at least ${2 ** c.blocks} pixels`,
        path: ['blocks'],
      });
    }
    return finishClassifierConfig(c, ctx);
  });

export type CompactCnnClassifierConfig = z.output<typeof compactCnnClassifierConfigSchema>;
export type CompactCnnClassifierConfigInput = z.input<typeof compactCnnClassifierConfigSchema>;

/** Validates, builds, loads weights (`weightsDir` or `pretrained`) and warms up. */
export async function loadCompactCnnClassifier(
  config: CompactCnnClassifierConfigInput | CompactCnnClassifierConfig = {},
  ctx?: PluginContext,
): Promise<LayersClassifier> {
  const c = parseModelConfig(compactCnnClassifierConfigSchema, config, 'compact-cnn classifier');
  const model = buildCompactCnn({
    inputSize: c.inputSize,
    inputChannels: c.inputChannels,
    numClasses: c.classes.length,
    blocks: c.blocks,
    baseFilters: c.baseFilters,
    seed: c.seed,
  });
  return finishLayersClassifier(c, model, [COMPACT_CNN_TOP], ctx);
}

export const compactCnnClassifierPlugin: PluginManifest<CompactCnnClassifierConfig, LayersClassifier> = {
  kind: 'classifier',
  id: 'classifier-compact-cnn',
  configSchema: compactCnnClassifierConfigSchema,
  create: (config, ctx) => loadCompactCnnClassifier(config, ctx),
};
