import * as tf from '@tensorflow/tfjs';
import { RopError, type ImageF32 } from '@ropline/core';
import type { ModelInfo } from '../ports/model-info.js';

/**
 * Checks that `image` is what the model takes (size and channels) and returns it as a [1, H, W, C]
 * tensor (pixel-interleaved HWC, as ImageF32 stores it). The caller owns the tensor (use tf.tidy).
 * A mismatch is a caller bug, reported as RopError MODEL.INPUT_MISMATCH (no PHI in it).
 */
export function imageToBatch(image: ImageF32, info: ModelInfo): tf.Tensor4D {
  const { width, height } = info.inputSize;
  const expected = width * height * info.inputChannels;
  if (
    image.width !== width ||
    image.height !== height ||
    image.channels !== info.inputChannels ||
    image.data.length !== expected
  ) {
    throw new RopError(
      'MODEL.INPUT_MISMATCH',
      `${info.name} takes ${width}x${height}x${info.inputChannels}, got ` +
        `${image.width}x${image.height}x${image.channels} (${image.data.length} values)`,
      { model: info.name, width: image.width, height: image.height, channels: image.channels },
    );
  }
  return tf.tensor4d(image.data, [1, height, width, info.inputChannels]);
}

/** Parameter counts, as Keras' model.summary() reports them. */
export interface ParamCounts {
  total: number;
  trainable: number;
  nonTrainable: number;
}

export function countParams(model: tf.LayersModel): ParamCounts {
  const size = (ws: tf.LayerVariable[]) =>
    ws.reduce((s, w) => s + w.shape.reduce<number>((a, b) => a * (b ?? 1), 1), 0);
  const trainable = size(model.trainableWeights);
  const nonTrainable = size(model.nonTrainableWeights);
  return { total: trainable + nonTrainable, trainable, nonTrainable };
}
