import { z } from 'zod';
import type { PluginContext, PluginManifest } from '@ropline/core';
import { parseModelConfig } from '../layers-util/model-loading.js';
import { classifierConfigShape, finishClassifierConfig } from './classifier-config.schema.js';
import { buildInceptionV3, INCEPTION_V3_MIN_SIZE, INCEPTION_V3_TOP } from './inception-v3.model.js';
import { finishLayersClassifier, type LayersClassifier } from './layers.classifier.js';

/** The paper's classifier (III-B3): Inception v3 at 299 x 299, 2 channels (hybrid), 3 stages. */
export const inceptionV3ClassifierConfigSchema = z
  .object({ name: z.string().min(1).default('inception-v3'), ...classifierConfigShape })
  .strict()
  .transform((c, ctx) => {
    if (Math.min(c.inputSize.width, c.inputSize.height) < INCEPTION_V3_MIN_SIZE) {
      ctx.addIssue({
        code: 'custom',
        message: `Inception v3 needs at least ${INCEPTION_V3_MIN_SIZE} x ${INCEPTION_V3_MIN_SIZE} pixels`,
        path: ['inputSize'],
      });
    }
    return finishClassifierConfig(c, ctx);
  });

export type InceptionV3ClassifierConfig = z.output<typeof inceptionV3ClassifierConfigSchema>;
export type InceptionV3ClassifierConfigInput = z.input<typeof inceptionV3ClassifierConfigSchema>;

/**
 * Validates the config, builds Inception v3 for its channels and classes, loads weights (trained:
 * `weightsDir`; ImageNet transfer: `pretrained`, which re-initialises the first conv when the
 * channels differ from 3 and 'predictions' when the classes differ) and warms it up.
 */
export async function loadInceptionV3Classifier(
  config: InceptionV3ClassifierConfigInput | InceptionV3ClassifierConfig = {},
  ctx?: PluginContext,
): Promise<LayersClassifier> {
  const c = parseModelConfig(inceptionV3ClassifierConfigSchema, config, 'inception-v3 classifier');
  const model = buildInceptionV3({
    inputSize: c.inputSize,
    inputChannels: c.inputChannels,
    numClasses: c.classes.length,
    seed: c.seed,
  });
  return finishLayersClassifier(c, model, [INCEPTION_V3_TOP], ctx);
}

export const inceptionV3ClassifierPlugin: PluginManifest<InceptionV3ClassifierConfig, LayersClassifier> = {
  kind: 'classifier',
  id: 'classifier-inception-v3',
  configSchema: inceptionV3ClassifierConfigSchema,
  create: (config, ctx) => loadInceptionV3Classifier(config, ctx),
};
