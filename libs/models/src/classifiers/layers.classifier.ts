import * as tf from '@tensorflow/tfjs';
import type { ImageF32, PluginContext } from '@ropline/core';
import { createFoldedInference } from '../layers-util/fold-batch-norm.js';
import { imageToBatch } from '../layers-util/image-tensor.util.js';
import { assertNotDisposed, disposeOnce, initialiseWeights, warmUp } from '../layers-util/model-loading.js';
import type { TransferReport } from '../layers-util/transfer.js';
import type { ClassificationResult, Classifier } from '../ports/classifier.port.js';
import type { ModelInfo } from '../ports/model-info.js';
import type { ClassifierConfig } from './classifier-config.schema.js';

/** The Classifier port plus what the trainer needs. */
export interface LayersClassifier extends Classifier {
  /** The underlying model (owned by the classifier: dispose() frees it). Train it in place. */
  readonly model: tf.LayersModel;
  /**
   * The model classify() predicts with: `model` with its BatchNormalizations folded into the convs
   * (re-folded when `model`'s weights changed). Owned by the classifier; valid until dispose().
   */
  inferenceModel(): tf.LayersModel;
  /** What transfer learning copied / re-initialised, when the classifier was built from `pretrained`. */
  readonly transfer: TransferReport | null;
}

/**
 * Wraps a softmax tf.LayersModel as a Classifier; takes ownership of `model`. `classify` runs in
 * tf.tidy and returns plain numbers: nothing for the caller to dispose. It predicts with a copy of
 * `model` whose BatchNormalizations are folded into the convolutions (same outputs, faster); the
 * copy is folded again when `model`'s weights changed (trained in place), and freed by dispose().
 */
export function createLayersClassifier(
  info: ModelInfo,
  model: tf.LayersModel,
  transfer: TransferReport | null = null,
): LayersClassifier {
  const inference = createFoldedInference(model);
  warmUp(inference.current());
  const life = disposeOnce(model, () => inference.dispose());
  return {
    info,
    model,
    transfer,
    inferenceModel: () => {
      assertNotDisposed(life.disposed, info.name);
      return inference.current();
    },
    async classify(input: ImageF32): Promise<ClassificationResult> {
      assertNotDisposed(life.disposed, info.name);
      const output = tf.tidy(() => inference.current().predict(imageToBatch(input, info)) as tf.Tensor);
      let probabilities: number[];
      try {
        probabilities = Array.from(await output.data());
      } finally {
        output.dispose();
      }
      let classIndex = 0;
      for (let i = 1; i < probabilities.length; i++)
        if (probabilities[i] > probabilities[classIndex]) classIndex = i;
      return { classes: [...info.classes], probabilities, classIndex, label: info.classes[classIndex] };
    },
    dispose: () => life.dispose(),
  };
}

/**
 * The common end of every `load*Classifier`: weights (trained `weightsDir`, or `pretrained` by
 * transfer learning with `headLayers` as the top), warm-up, wrap. Disposes `model` on failure.
 */
export async function finishLayersClassifier(
  c: ClassifierConfig,
  model: tf.LayersModel,
  headLayers: readonly string[],
  ctx?: PluginContext,
): Promise<LayersClassifier> {
  try {
    const transfer = await initialiseWeights(model, c, headLayers, ctx);
    warmUp(model);
    ctx?.log('info', `classifier ${c.name} ${c.version} ready`, { params: model.countParams() });
    const info: ModelInfo = {
      kind: 'classifier',
      name: c.name,
      version: c.version,
      classes: c.classes,
      inputSize: c.inputSize,
      inputChannels: c.inputChannels,
      preprocessing: c.preprocessing,
    };
    return createLayersClassifier(info, model, transfer);
  } catch (e) {
    model.dispose();
    throw e;
  }
}
