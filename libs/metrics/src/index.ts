/**
 * libs/metrics — confusion matrix, precision/recall/F1, Cohen's kappa, ROC AUC, AP at IoU, Dice,
 * bootstrap confidence intervals. Not implemented yet: it lands with issue 5. This file only makes
 * the library a valid, type-checked workspace member; it exports no features.
 */
export const METRICS_LIB = 'metrics';
