import * as tf from '@tensorflow/tfjs';
import type {
  BatchNormalization,
  BatchNormalizationLayerArgs,
} from '@tensorflow/tfjs-layers/dist/layers/normalization.js';
import type { Kwargs } from '@tensorflow/tfjs-layers/dist/types.js';

/**
 * BatchNormalization with two Keras behaviours tfjs-layers 4.22 lacks:
 * 1. `scale: false` (or `center: false`) under a gradient: tfjs reads the absent gamma in training
 *    mode ("Cannot read properties of undefined (reading 'read')"), and tf.batchNorm's gradient
 *    fails on the absent scale in inference mode, so Keras' Inception v3 (BN without scale) could
 *    not be trained at all, frozen or not.
 * 2. A frozen layer (`trainable = false`) runs in inference mode, as in Keras 2: it uses and keeps
 *    its moving mean/variance. tfjs would keep updating them during `fit()`, so a frozen pretrained
 *    backbone would drift, and "frozen" weights would change.
 * The class name stays 'BatchNormalization' (inherited static), so a saved model.json is standard
 * tfjs/Keras and loads anywhere; weight names and order (gamma?, beta?, moving_mean,
 * moving_variance) are tfjs' own. Importing this module registers the class for deserialisation
 * (see below); file-system.io.ts imports it, so every model loaded through it gets this layer.
 */

// The class is not exported by the tfjs union package; take it from an instance so that it is the
// very class tfjs registered (a deep import could load a second copy of tfjs-layers).
const BatchNormalizationBase = tf.layers.batchNormalization({}).constructor as new (
  args?: BatchNormalizationLayerArgs,
) => BatchNormalization;

interface Variable {
  read(): tf.Tensor;
  write(value: tf.Tensor): void;
}

/** The base class' private state (same names at runtime). */
interface BatchNormState {
  axis: number;
  momentum: number;
  epsilon: number;
  gamma?: Variable | null;
  beta?: Variable | null;
  movingMean: Variable;
  movingVariance: Variable;
}

export class KerasBatchNormalization extends BatchNormalizationBase {
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    const training = kwargs['training'] === true && this.trainable;
    const s = this as unknown as BatchNormState;
    // With gamma and beta, tfjs' own code is right; only a frozen layer must not train.
    if (s.gamma && s.beta) return super.call(inputs, { ...kwargs, training });
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const axis = s.axis >= 0 ? s.axis : s.axis + x.rank;
      const shape = x.shape.map((d, a) => (a === axis ? d : 1));
      const asBroadcast = (t: tf.Tensor) => (axis === x.rank - 1 ? t : t.reshape(shape));
      let mean = s.movingMean.read();
      let variance = s.movingVariance.read();
      if (training) {
        const reduction = [...Array(x.rank).keys()].filter((a) => a !== axis);
        ({ mean, variance } = tf.moments(x, reduction));
        // Same update rule as tfjs (and Keras): moving = moving - (moving - batch) * (1 - momentum).
        const update = (v: Variable, batch: tf.Tensor) =>
          tf.tidy(() => v.write(tf.sub(v.read(), tf.mul(tf.sub(v.read(), batch), 1 - s.momentum))));
        update(s.movingMean, mean);
        update(s.movingVariance, variance);
      }
      // Plain ops, not tf.batchNorm: its gradient saves `scale` and throws when it is absent, which
      // also breaks training of any layer upstream of a frozen BN without scale.
      let y = tf.mul(tf.sub(x, asBroadcast(mean)), tf.rsqrt(tf.add(asBroadcast(variance), s.epsilon)));
      if (s.gamma) y = tf.mul(y, asBroadcast(s.gamma.read()));
      if (s.beta) y = tf.add(y, asBroadcast(s.beta.read()));
      return y;
    });
  }
}

// Deserialisation: a model.json 'BatchNormalization' (ours, tfjs' or Keras') loads as this class,
// so a model loaded from disk (tf.loadLayersModel) keeps the behaviours above and can be retrained.
// tfjs' registry maps class names to constructors; this replaces its BatchNormalization entry. The
// behaviour only differs from tfjs' for layers without scale/center and for frozen layers.
tf.serialization.registerClass(
  KerasBatchNormalization as unknown as tf.serialization.SerializableConstructor<KerasBatchNormalization>,
);

/** Drop-in for `tf.layers.batchNormalization` (see KerasBatchNormalization). */
export function kerasBatchNormalization(args: BatchNormalizationLayerArgs = {}): KerasBatchNormalization {
  return new KerasBatchNormalization(args);
}
