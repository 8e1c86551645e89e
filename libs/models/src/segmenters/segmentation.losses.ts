import * as tf from '@tensorflow/tfjs';

/**
 * Losses for a thin target: the demarcation line covers ~2 % of a 299 x 299 image.
 *
 * - Cross-entropy alone is an average over all pixels, so ~98 % of it is background: predicting
 *   "no line anywhere" already scores well, the gradient from the few line pixels is swamped, and
 *   the network learns to output near-zero everywhere (the classic imbalance failure).
 * - Dice (2|P∩T| / (|P| + |T|)) is a ratio over the foreground only: true negatives do not enter,
 *   so a missed line costs the full loss whatever its size. Alone it is unstable early on (tiny
 *   denominators, gradients that flip with a few pixels) and does not calibrate per-pixel
 *   probabilities, which matter here: an instance is kept by its mean probability (>= 0.8).
 * - Their sum (as nnU-Net uses) takes the overlap objective from Dice and the smooth, calibrated,
 *   per-pixel gradient from cross-entropy.
 *
 * Dice is computed per image (and per class) and then averaged, so a small line in one image is
 * not outweighed by a large one in another; `smooth` (1 pixel) keeps an empty-target, empty-
 * prediction image at Dice 1 instead of 0/0. Tensors are [batch, H, W, channels].
 */
export interface DiceLossOptions {
  diceWeight?: number;
  crossEntropyWeight?: number;
  /** Added to numerator and denominator, in pixels. */
  smooth?: number;
}

export interface SoftDiceLossOptions extends DiceLossOptions {
  /** Count background (channel 0) in the Dice mean; off by default, it would sit near 1 and dilute. */
  includeBackground?: boolean;
}

export type LossFn = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Scalar;

const EPS = 1e-7;

/** Soft Dice per [image, channel]: shape [batch, channels]. */
function softDice(yTrue: tf.Tensor, yPred: tf.Tensor, smooth: number): tf.Tensor {
  const intersection = tf.sum(tf.mul(yTrue, yPred), [1, 2]);
  const total = tf.add(tf.sum(yTrue, [1, 2]), tf.sum(yPred, [1, 2]));
  return tf.div(tf.add(tf.mul(intersection, 2), smooth), tf.add(total, smooth));
}

/** Binary head (sigmoid, 1 channel): weighted (1 - Dice) + binary cross-entropy. */
export function diceBceLoss(options: DiceLossOptions = {}): LossFn {
  const { diceWeight = 1, crossEntropyWeight = 1, smooth = 1 } = options;
  return (yTrue, yPred) =>
    tf.tidy(() => {
      const p = tf.clipByValue(yPred, EPS, 1 - EPS);
      const dice = tf.sub(1, tf.mean(softDice(yTrue, p, smooth)));
      const bce = tf.neg(
        tf.mean(tf.add(tf.mul(yTrue, tf.log(p)), tf.mul(tf.sub(1, yTrue), tf.log(tf.sub(1, p))))),
      );
      return tf.add(tf.mul(dice, diceWeight), tf.mul(bce, crossEntropyWeight)) as tf.Scalar;
    });
}

/** Multi-class head (softmax, channel 0 = background): weighted (1 - soft Dice) + categorical CE. */
export function softDiceCceLoss(options: SoftDiceLossOptions = {}): LossFn {
  const { diceWeight = 1, crossEntropyWeight = 1, smooth = 1, includeBackground = false } = options;
  return (yTrue, yPred) =>
    tf.tidy(() => {
      const p = tf.clipByValue(yPred, EPS, 1);
      const channels = yPred.shape[3] as number;
      let dice = softDice(yTrue, p, smooth);
      if (!includeBackground && channels > 1) dice = tf.slice(dice, [0, 1], [-1, channels - 1]);
      const diceLoss = tf.sub(1, tf.mean(dice));
      const cce = tf.neg(tf.mean(tf.sum(tf.mul(yTrue, tf.log(p)), -1)));
      return tf.add(tf.mul(diceLoss, diceWeight), tf.mul(cce, crossEntropyWeight)) as tf.Scalar;
    });
}

/** The loss that fits a U-Net head: 1 output channel = binary, more = multi-class. */
export function segmentationLoss(outputChannels: number, options: SoftDiceLossOptions = {}): LossFn {
  return outputChannels === 1 ? diceBceLoss(options) : softDiceCceLoss(options);
}

/**
 * Hard Dice of thresholded predictions (binary) averaged over the batch, for monitoring/tests:
 * what the segmenter's mask will score, not what the optimiser sees.
 */
export function hardDice(yTrue: tf.Tensor, yPred: tf.Tensor, threshold = 0.5): tf.Scalar {
  return tf.tidy(
    () => tf.mean(softDice(yTrue, tf.cast(tf.greater(yPred, threshold), 'float32'), 1e-6)) as tf.Scalar,
  );
}
