import * as tf from '@tensorflow/tfjs';

export type Initializer = ReturnType<typeof tf.initializers.glorotUniform>;

/**
 * Initializers for one model build: with a `seed`, layer n gets seed + n, so a build is
 * reproducible and no two layers share their random draw; without one, tfjs draws freely.
 * Call the factories in a fixed order (the layer construction order) for determinism.
 */
export interface SeededInitializers {
  /** Keras' default for Conv2D/Dense kernels. */
  glorotUniform(): Initializer;
  /** He et al. for ReLU networks (U-Net convolutions). */
  heNormal(): Initializer;
}

export function createSeededInitializers(seed?: number): SeededInitializers {
  let n = 0;
  const next = () => (seed === undefined ? undefined : seed + n++);
  return {
    glorotUniform: () => tf.initializers.glorotUniform({ seed: next() }),
    heNormal: () => tf.initializers.heNormal({ seed: next() }),
  };
}
