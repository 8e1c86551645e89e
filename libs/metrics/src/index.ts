/**
 * libs/metrics — pure evaluation metrics (no tfjs, no I/O): confusion matrix, precision/recall/F1,
 * Cohen's kappa, one-vs-rest ROC AUC, detection AP at IoU (PASCAL VOC / Cartucho rules), Dice/IoU
 * and group bootstrap confidence intervals. Bad input throws RopError('METRICS.INVALID_INPUT').
 */
export * from './bootstrap.js';
export * from './classification.js';
export * from './detection.js';
export * from './roc-auc.js';
export * from './segmentation.js';
export { INVALID_INPUT } from './validate.js';
