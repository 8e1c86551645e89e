import * as tf from '@tensorflow/tfjs';
import { kerasBatchNormalization } from '../layers-util/keras-batch-norm.layer.js';
import type { InputSize } from '../layers-util/model-config.schema.js';
import { createSeededInitializers, type SeededInitializers } from '../layers-util/seeded-initializers.js';

/** The U-Net's shape (Ronneberger et al. 2015, with 'same' padding and optional BatchNorm). */
export interface UnetArchitecture {
  inputSize: InputSize;
  inputChannels: number;
  /** Number of 2x down-samplings (the paper-size default is 4: 299 -> 19). */
  depth: number;
  /** Filters at full resolution; doubled at each level. */
  baseFilters: number;
  batchNorm: boolean;
  /** 1: sigmoid (binary 'line' vs background). n >= 2: softmax over background + n - 1 classes. */
  outputChannels: number;
  seed?: number;
}

/** Layer name of the 1x1 output convolution (a "head" for transfer learning). */
export const UNET_HEAD_LAYER = 'head';

/** Zero padding that makes `size` a multiple of `multiple`: [before, after]. */
export function paddingTo(size: number, multiple: number): [number, number] {
  const total = Math.ceil(size / multiple) * multiple - size;
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

function convBlock(
  x: tf.SymbolicTensor,
  filters: number,
  prefix: string,
  a: UnetArchitecture,
  init: SeededInitializers,
): tf.SymbolicTensor {
  for (const j of [1, 2]) {
    x = tf.layers
      .conv2d({
        name: `${prefix}_conv${j}`,
        filters,
        kernelSize: 3,
        padding: 'same',
        useBias: !a.batchNorm,
        kernelInitializer: init.heNormal(),
      })
      .apply(x) as tf.SymbolicTensor;
    if (a.batchNorm) x = kerasBatchNormalization({ name: `${prefix}_bn${j}` }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.reLU({ name: `${prefix}_relu${j}` }).apply(x) as tf.SymbolicTensor;
  }
  return x;
}

/**
 * Builds the U-Net for any input size: the input is zero-padded to a multiple of 2^depth (zero is
 * the mean of a standardized image) and the output cropped back, so the model maps H x W x C to
 * H x W x outputChannels and the caller never pads. Layer names are stable (enc{i}_conv{j}, ...)
 * so weights transfer by name between builds.
 */
export function buildUnet(a: UnetArchitecture): tf.LayersModel {
  const init = createSeededInitializers(a.seed);
  const { width, height } = a.inputSize;
  const multiple = 2 ** a.depth;
  const padY = paddingTo(height, multiple);
  const padX = paddingTo(width, multiple);
  const padded = padY[0] + padY[1] + padX[0] + padX[1] > 0;

  const input = tf.input({ shape: [height, width, a.inputChannels], name: 'image' });
  let x: tf.SymbolicTensor = input;
  if (padded)
    x = tf.layers.zeroPadding2d({ name: 'pad', padding: [padY, padX] }).apply(x) as tf.SymbolicTensor;

  const skips: tf.SymbolicTensor[] = [];
  for (let i = 0; i < a.depth; i++) {
    x = convBlock(x, a.baseFilters * 2 ** i, `enc${i}`, a, init);
    skips.push(x);
    x = tf.layers
      .maxPooling2d({ name: `enc${i}_pool`, poolSize: 2, strides: 2 })
      .apply(x) as tf.SymbolicTensor;
  }
  x = convBlock(x, a.baseFilters * 2 ** a.depth, 'bottleneck', a, init);
  for (let i = a.depth - 1; i >= 0; i--) {
    const filters = a.baseFilters * 2 ** i;
    x = tf.layers
      .conv2dTranspose({
        name: `dec${i}_up`,
        filters,
        kernelSize: 2,
        strides: 2,
        padding: 'same',
        kernelInitializer: init.heNormal(),
      })
      .apply(x) as tf.SymbolicTensor;
    x = tf.layers.concatenate({ name: `dec${i}_concat` }).apply([skips[i], x]) as tf.SymbolicTensor;
    x = convBlock(x, filters, `dec${i}`, a, init);
  }
  x = tf.layers
    .conv2d({
      name: UNET_HEAD_LAYER,
      filters: a.outputChannels,
      kernelSize: 1,
      activation: a.outputChannels === 1 ? 'sigmoid' : 'softmax',
      kernelInitializer: init.glorotUniform(),
    })
    .apply(x) as tf.SymbolicTensor;
  if (padded)
    x = tf.layers.cropping2D({ name: 'crop', cropping: [padY, padX] }).apply(x) as tf.SymbolicTensor;
  return tf.model({ name: 'unet', inputs: input, outputs: x });
}
