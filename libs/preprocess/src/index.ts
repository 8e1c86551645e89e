export * from './augment.op.js';
export * from './clahe-tiles.util.js';
export * from './clahe.op.js';
export * from './equalize-hist.op.js';
export * from './field-of-view.op.js';
export * from './histogram.util.js';
export * from './image-guard.util.js';
export * from './image-io.js';
export {
  PREPROCESS_KERNELS,
  PREPROCESS_KERNELS_ENV,
  preprocessKernels,
  setPreprocessKernels,
  type PreprocessKernels,
} from './kernels/kernel-mode.util.js';
export * from './preprocess-config.schema.js';
export * from './preprocess.pipeline.js';
export * from './resize.op.js';
export * from './rounding.util.js';
export * from './stack-channels.op.js';
export * from './standardize.op.js';
export * from './to-gray.op.js';
