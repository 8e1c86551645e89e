import { checkSameLength, indexOf, invalid, labelIndex, safeDivide, sortedUnion } from './validate.js';

export interface ConfusionMatrix {
  labels: string[];
  /** matrix[i][j] = number of items whose truth is labels[i] and prediction is labels[j]. */
  matrix: number[][];
}

export type KappaWeights = 'none' | 'linear' | 'quadratic';

export interface ClassScores {
  precision: number;
  recall: number;
  f1: number;
  /** Number of items whose truth is this class. */
  support: number;
}

export interface ClassificationReport {
  accuracy: number;
  perClass: Record<string, ClassScores>;
  macro: { precision: number; recall: number; f1: number };
  weighted: { precision: number; recall: number; f1: number };
  kappa: Record<KappaWeights, number>;
  confusion: ConfusionMatrix;
}

/**
 * Rows = truth, columns = prediction (scikit-learn's `confusion_matrix`). `labels` fixes the order
 * (default: sorted union of both lists); a label outside `labels` is INVALID_INPUT, not dropped.
 */
export function confusionMatrix(
  truth: readonly string[],
  pred: readonly string[],
  labels?: readonly string[],
): ConfusionMatrix {
  checkSameLength(truth, pred, 'confusionMatrix');
  const order = labels ? [...labels] : sortedUnion(truth, pred);
  const index = labelIndex(order);
  const matrix = order.map(() => order.map(() => 0));
  for (let k = 0; k < truth.length; k++) {
    matrix[indexOf(index, truth[k], 'truth')][indexOf(index, pred[k], 'prediction')] += 1;
  }
  return { labels: order, matrix };
}

/**
 * Cohen's kappa of a confusion matrix, labels ordinal in matrix order; same arithmetic as
 * scikit-learn's `cohen_kappa_score` (weights |i-j| or (i-j)^2). NaN when undefined (the expected
 * disagreement is 0, e.g. every item in one class), where scikit-learn warns and returns NaN.
 */
export function kappaFromMatrix(matrix: readonly (readonly number[])[], weights: KappaWeights): number {
  const n = matrix.length;
  const colSums = matrix[0]?.map((_, j) => matrix.reduce((s, row) => s + row[j], 0)) ?? [];
  const rowSums = matrix.map((row) => row.reduce((s, v) => s + v, 0));
  const total = colSums.reduce((s, v) => s + v, 0);
  let observed = 0;
  let expected = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const w =
        weights === 'none' ? (i === j ? 0 : 1) : weights === 'linear' ? Math.abs(i - j) : (i - j) ** 2;
      observed += w * matrix[i][j];
      // sklearn: expected = outer(sum0, sum1) / sum(sum0), sum0 = column sums, sum1 = row sums.
      expected += (w * (colSums[i] * rowSums[j])) / total;
    }
  }
  return 1 - observed / expected;
}

/** Cohen's kappa between two raters; `labels` are ordinal in the given order. */
export function cohenKappa(
  truth: readonly string[],
  pred: readonly string[],
  options: { labels?: readonly string[]; weights?: KappaWeights } = {},
): number {
  const { matrix } = confusionMatrix(truth, pred, options.labels);
  return kappaFromMatrix(matrix, options.weights ?? 'none');
}

/**
 * Accuracy, per-class precision/recall/F1/support, macro and support-weighted averages, kappa (all
 * three weightings) and the confusion matrix. A 0/0 precision, recall or F1 is 0, like
 * scikit-learn's default `zero_division` (it also warns); a weighted average with no support is 0.
 */
export function classificationReport(
  truth: readonly string[],
  pred: readonly string[],
  options: { labels?: readonly string[] } = {},
): ClassificationReport {
  if (truth.length === 0) throw invalid('classificationReport: no items');
  const confusion = confusionMatrix(truth, pred, options.labels);
  const { labels, matrix } = confusion;
  const perClass: Record<string, ClassScores> = {};
  let correct = 0;
  labels.forEach((label, i) => {
    const tp = matrix[i][i];
    correct += tp;
    const support = matrix[i].reduce((s, v) => s + v, 0);
    const predicted = matrix.reduce((s, row) => s + row[i], 0);
    const precision = safeDivide(tp, predicted);
    const recall = safeDivide(tp, support);
    // sklearn 1.2: F = 2PR / (P + R), with a zero denominator replaced by 1 (so F = 0).
    const f1 = safeDivide(2 * precision * recall, precision + recall);
    perClass[label] = { precision, recall, f1, support };
  });
  const scores = labels.map((l) => perClass[l]);
  const totalSupport = scores.reduce((s, c) => s + c.support, 0);
  const average = (weightOf: (c: ClassScores) => number, denominator: number) => {
    const avg = (key: 'precision' | 'recall' | 'f1') =>
      safeDivide(
        scores.reduce((s, c) => s + weightOf(c) * c[key], 0),
        denominator,
      );
    return { precision: avg('precision'), recall: avg('recall'), f1: avg('f1') };
  };
  return {
    accuracy: correct / truth.length,
    perClass,
    macro: average(() => 1, labels.length),
    weighted: average((c) => c.support, totalSupport),
    kappa: {
      none: kappaFromMatrix(matrix, 'none'),
      linear: kappaFromMatrix(matrix, 'linear'),
      quadratic: kappaFromMatrix(matrix, 'quadratic'),
    },
    confusion,
  };
}
