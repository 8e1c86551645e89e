import { checkSameLength, indexOf, invalid, labelIndex } from './validate.js';

export interface OneVsRestAuc {
  /** Area under the ROC curve of "this class vs the rest"; null without positives or negatives. */
  perClass: Record<string, number | null>;
  /** Unweighted mean of the defined per-class AUCs; null when none is defined. */
  macro: number | null;
}

/**
 * Binary ROC AUC: trapezoids over the ROC points at each distinct score (scikit-learn's
 * `roc_curve` + `auc`), so tied scores count one half, as in the Mann-Whitney U statistic.
 * Null when there is no positive or no negative item.
 */
export function binaryRocAuc(positive: readonly boolean[], scores: readonly number[]): number | null {
  checkSameLength(positive, scores, 'binaryRocAuc');
  const order = scores.map((_, i) => i).sort((a, b) => scores[b] - scores[a]);
  const p = positive.filter(Boolean).length;
  const n = positive.length - p;
  if (p === 0 || n === 0) return null;
  let tp = 0;
  let fp = 0;
  let prevTpr = 0;
  let prevFpr = 0;
  let area = 0;
  for (let k = 0; k < order.length; k++) {
    if (positive[order[k]]) tp++;
    else fp++;
    // A ROC point only after the last item of a run of tied scores.
    if (k + 1 < order.length && scores[order[k + 1]] === scores[order[k]]) continue;
    const tpr = tp / p;
    const fpr = fp / n;
    area += ((fpr - prevFpr) * (tpr + prevTpr)) / 2;
    prevTpr = tpr;
    prevFpr = fpr;
  }
  return area;
}

/**
 * One-vs-rest ROC AUC per class: `scores[i][k]` is item i's score for `labels[k]` (probabilities or
 * any monotone score; rows need not sum to 1). Per class this equals scikit-learn's
 * `roc_auc_score(truth == label, scores[:, k])`; the macro mean equals `multi_class='ovr'` when every
 * class is defined (scikit-learn raises otherwise; here undefined classes are left out).
 */
export function rocAucOneVsRest(
  truth: readonly string[],
  scores: readonly (readonly number[])[],
  labels: readonly string[],
): OneVsRestAuc {
  checkSameLength(truth, scores, 'rocAucOneVsRest');
  const index = labelIndex(labels);
  const truthIndex = truth.map((t) => indexOf(index, t, 'truth'));
  scores.forEach((row, i) => {
    if (row.length !== labels.length) {
      throw invalid(`rocAucOneVsRest: row ${i} has ${row.length} scores for ${labels.length} labels`);
    }
    if (row.some((v) => !Number.isFinite(v)))
      throw invalid(`rocAucOneVsRest: row ${i} has a non-finite score`);
  });
  const perClass: Record<string, number | null> = {};
  labels.forEach((label, k) => {
    perClass[label] = binaryRocAuc(
      truthIndex.map((t) => t === k),
      scores.map((row) => row[k]),
    );
  });
  const defined = Object.values(perClass).filter((v): v is number => v !== null);
  const macro = defined.length ? defined.reduce((s, v) => s + v, 0) / defined.length : null;
  return { perClass, macro };
}
