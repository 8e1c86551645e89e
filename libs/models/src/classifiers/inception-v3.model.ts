import * as tf from '@tensorflow/tfjs';
import { kerasBatchNormalization } from '../layers-util/keras-batch-norm.layer.js';
import type { InputSize } from '../layers-util/model-config.schema.js';
import { createSeededInitializers } from '../layers-util/seeded-initializers.js';

/**
 * Inception v3 exactly as keras.applications.InceptionV3(include_top=True) builds it (Szegedy et
 * al. 2016; keras/applications/inception_v3.py): stem, mixed0–mixed10, global average pooling
 * ('avg_pool'), dense softmax ('predictions'). Every conv is Conv2D(use_bias=False) ->
 * BatchNormalization(scale=False, epsilon 1e-3) -> ReLU. Layer names are the ones a fresh
 * tf.keras session gives (conv2d, conv2d_1, ..., batch_normalization_N, activation_N,
 * max_pooling2d_N, average_pooling2d_N, mixed0..mixed10, mixed9_0, concatenate, ...), so converted
 * Keras ImageNet weights transfer by name (transfer.ts).
 */
export interface InceptionV3Architecture {
  /** Keras' minimum is 75 x 75; the paper uses 299 x 299. */
  inputSize: InputSize;
  inputChannels: number;
  numClasses: number;
  seed?: number;
}

export const INCEPTION_V3_MIN_SIZE = 75;
/** The layers transfer learning replaces when channels / classes change. */
export const INCEPTION_V3_FIRST_CONV = 'conv2d';
export const INCEPTION_V3_TOP = 'predictions';

type T = tf.SymbolicTensor;

class KerasNames {
  private readonly counts = new Map<string, number>();
  /** 'conv2d', 'conv2d_1', 'conv2d_2', ... as Keras' backend.unique_object_name does. */
  next(base: string): string {
    const n = this.counts.get(base) ?? 0;
    this.counts.set(base, n + 1);
    return n === 0 ? base : `${base}_${n}`;
  }
}

export function buildInceptionV3(a: InceptionV3Architecture): tf.LayersModel {
  const names = new KerasNames();
  const init = createSeededInitializers(a.seed);

  const conv = (
    x: T,
    filters: number,
    rows: number,
    cols: number,
    strides = 1,
    padding: 'same' | 'valid' = 'same',
  ) => {
    x = tf.layers
      .conv2d({
        name: names.next('conv2d'),
        filters,
        kernelSize: [rows, cols],
        strides,
        padding,
        useBias: false,
        kernelInitializer: init.glorotUniform(),
      })
      .apply(x) as T;
    x = kerasBatchNormalization({ name: names.next('batch_normalization'), axis: 3, scale: false }).apply(
      x,
    ) as T;
    return tf.layers.activation({ name: names.next('activation'), activation: 'relu' }).apply(x) as T;
  };
  const maxPool = (x: T) =>
    tf.layers.maxPooling2d({ name: names.next('max_pooling2d'), poolSize: 3, strides: 2 }).apply(x) as T;
  const avgPoolSame = (x: T) =>
    tf.layers
      .averagePooling2d({ name: names.next('average_pooling2d'), poolSize: 3, strides: 1, padding: 'same' })
      .apply(x) as T;
  const concat = (xs: T[], name = names.next('concatenate')) =>
    tf.layers.concatenate({ name, axis: 3 }).apply(xs) as T;

  const input = tf.input({
    shape: [a.inputSize.height, a.inputSize.width, a.inputChannels],
    name: 'input_1',
  });
  let x = conv(input, 32, 3, 3, 2, 'valid');
  x = conv(x, 32, 3, 3, 1, 'valid');
  x = conv(x, 64, 3, 3);
  x = maxPool(x);
  x = conv(x, 80, 1, 1, 1, 'valid');
  x = conv(x, 192, 3, 3, 1, 'valid');
  x = maxPool(x);

  // mixed0, 1, 2: 35 x 35 x 256 / 288 / 288
  for (const [i, poolFilters] of [32, 64, 64].entries()) {
    const b1 = conv(x, 64, 1, 1);
    let b5 = conv(x, 48, 1, 1);
    b5 = conv(b5, 64, 5, 5);
    let b3 = conv(x, 64, 1, 1);
    b3 = conv(b3, 96, 3, 3);
    b3 = conv(b3, 96, 3, 3);
    const bp = conv(avgPoolSame(x), poolFilters, 1, 1);
    x = concat([b1, b5, b3, bp], `mixed${i}`);
  }

  // mixed3: 17 x 17 x 768
  {
    const b3 = conv(x, 384, 3, 3, 2, 'valid');
    let bd = conv(x, 64, 1, 1);
    bd = conv(bd, 96, 3, 3);
    bd = conv(bd, 96, 3, 3, 2, 'valid');
    x = concat([b3, bd, maxPool(x)], 'mixed3');
  }

  // mixed4 (128), mixed5, mixed6 (160), mixed7 (192): 17 x 17 x 768
  for (const [i, f] of [128, 160, 160, 192].entries()) {
    const b1 = conv(x, 192, 1, 1);
    let b7 = conv(x, f, 1, 1);
    b7 = conv(b7, f, 1, 7);
    b7 = conv(b7, 192, 7, 1);
    let bd = conv(x, f, 1, 1);
    bd = conv(bd, f, 7, 1);
    bd = conv(bd, f, 1, 7);
    bd = conv(bd, f, 7, 1);
    bd = conv(bd, 192, 1, 7);
    const bp = conv(avgPoolSame(x), 192, 1, 1);
    x = concat([b1, b7, bd, bp], `mixed${4 + i}`);
  }

  // mixed8: 8 x 8 x 1280
  {
    let b3 = conv(x, 192, 1, 1);
    b3 = conv(b3, 320, 3, 3, 2, 'valid');
    let b7 = conv(x, 192, 1, 1);
    b7 = conv(b7, 192, 1, 7);
    b7 = conv(b7, 192, 7, 1);
    b7 = conv(b7, 192, 3, 3, 2, 'valid');
    x = concat([b3, b7, maxPool(x)], 'mixed8');
  }

  // mixed9, mixed10: 8 x 8 x 2048
  for (const i of [0, 1]) {
    const b1 = conv(x, 320, 1, 1);
    let b3 = conv(x, 384, 1, 1);
    const b3a = conv(b3, 384, 1, 3);
    const b3b = conv(b3, 384, 3, 1);
    b3 = concat([b3a, b3b], `mixed9_${i}`);
    let bd = conv(x, 448, 1, 1);
    bd = conv(bd, 384, 3, 3);
    const bda = conv(bd, 384, 1, 3);
    const bdb = conv(bd, 384, 3, 1);
    bd = concat([bda, bdb]);
    const bp = conv(avgPoolSame(x), 192, 1, 1);
    x = concat([b1, b3, bd, bp], `mixed${9 + i}`);
  }

  x = tf.layers.globalAveragePooling2d({ name: 'avg_pool' }).apply(x) as T;
  const output = tf.layers
    .dense({
      name: INCEPTION_V3_TOP,
      units: a.numClasses,
      activation: 'softmax',
      kernelInitializer: init.glorotUniform(),
    })
    .apply(x) as T;
  return tf.model({ name: 'inception_v3', inputs: input, outputs: output });
}

/** Keras InceptionV3(include_top=True, weights=None, classes=1000) at 3 channels (model.summary()). */
export const KERAS_INCEPTION_V3_PARAMS = { total: 23_851_784, trainable: 23_817_352, nonTrainable: 34_432 };

/**
 * Parameter count for other channels / classes, from the Keras reference: only the first conv
 * (3 x 3 x C x 32, no bias) and the top dense (2048 x K + K) depend on them.
 */
export function expectedInceptionV3Params(inputChannels: number, numClasses: number) {
  const delta = 3 * 3 * 32 * (inputChannels - 3) + 2049 * (numClasses - 1000);
  return {
    total: KERAS_INCEPTION_V3_PARAMS.total + delta,
    trainable: KERAS_INCEPTION_V3_PARAMS.trainable + delta,
    nonTrainable: KERAS_INCEPTION_V3_PARAMS.nonTrainable,
  };
}
