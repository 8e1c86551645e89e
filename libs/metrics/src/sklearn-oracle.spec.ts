import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '@ropline/core';
import { findPython } from '@ropline/testing';
import { classificationReport } from './classification.js';
import { rocAucOneVsRest } from './roc-auc.js';

const python = findPython(['sklearn', 'numpy']);
if (!python)
  console.warn('[metrics] SKIPPED sklearn oracle: no Python with scikit-learn (Debian python3-sklearn).');

const ORACLE = `
import json, sys
import numpy as np
from sklearn.metrics import (accuracy_score, cohen_kappa_score, confusion_matrix,
                             precision_recall_fscore_support, roc_auc_score)
cases = json.load(sys.stdin)
out = []
for c in cases:
    y, p, L = c['truth'], c['pred'], c['labels']
    P, R, F, S = precision_recall_fscore_support(y, p, labels=L, average=None, zero_division=0)
    avg = {k: precision_recall_fscore_support(y, p, labels=L, average=k, zero_division=0)[:3]
           for k in ('macro', 'weighted')}
    s = np.array(c['scores'])
    auc = [roc_auc_score([t == l for t in y], s[:, k]) for k, l in enumerate(L)]
    out.append({
        'accuracy': accuracy_score(y, p),
        'precision': P.tolist(), 'recall': R.tolist(), 'f1': F.tolist(), 'support': S.tolist(),
        'macro': list(avg['macro']), 'weighted': list(avg['weighted']),
        'kappa': [cohen_kappa_score(y, p, labels=L, weights=w) for w in (None, 'linear', 'quadratic')],
        'confusion': confusion_matrix(y, p, labels=L).tolist(),
        'auc': auc,
        'aucMacro': roc_auc_score(y, s, multi_class='ovr', labels=L),
    })
json.dump(out, sys.stdout)
`;

interface Case {
  truth: string[];
  pred: string[];
  labels: string[];
  scores: number[][];
}

/** Seeded random cases; predictions agree with the truth ~60 % of the time. */
function makeCases(): Case[] {
  const random = mulberry32(2024);
  const labels = ['0', '1', '2', '3'];
  return [20, 57, 200, 333].map((n) => {
    const truth = Array.from({ length: n }, () => labels[Math.floor(random() * 4)]);
    const pred = truth.map((t) => (random() < 0.6 ? t : labels[Math.floor(random() * 4)]));
    // Rows sum to 1 (scikit-learn's multi_class='ovr' insists); quantized, so ties occur.
    const scores = truth.map(() => {
      const row = labels.map(() => Math.round(random() * 5) + 1);
      const sum = row.reduce((a, b) => a + b, 0);
      return row.map((v) => v / sum);
    });
    return { truth, pred, labels, scores };
  });
}

describe.skipIf(!python)('metrics against scikit-learn', () => {
  it('matches accuracy, P/R/F1, averages, kappa, confusion matrix and OvR ROC AUC to 1e-12', () => {
    const cases = makeCases();
    const r = spawnSync(python as string, ['-c', ORACLE], { input: JSON.stringify(cases), encoding: 'utf8' });
    expect(r.stderr.replace(/.*Warning.*\n?/g, '')).toBe('');
    const expected = JSON.parse(r.stdout) as Record<string, never>[];
    cases.forEach((c, k) => {
      const e = expected[k] as unknown as Record<string, number[] & number[][] & number>;
      const got = classificationReport(c.truth, c.pred, { labels: c.labels });
      const close = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThan(1e-12);
      close(got.accuracy, e.accuracy);
      c.labels.forEach((l, i) => {
        close(got.perClass[l].precision, e.precision[i]);
        close(got.perClass[l].recall, e.recall[i]);
        close(got.perClass[l].f1, e.f1[i]);
        expect(got.perClass[l].support).toBe(e.support[i]);
      });
      (['precision', 'recall', 'f1'] as const).forEach((m, i) => {
        close(got.macro[m], e.macro[i]);
        close(got.weighted[m], e.weighted[i]);
      });
      close(got.kappa.none, e.kappa[0]);
      close(got.kappa.linear, e.kappa[1]);
      close(got.kappa.quadratic, e.kappa[2]);
      expect(got.confusion.matrix).toEqual(e.confusion);
      const auc = rocAucOneVsRest(c.truth, c.scores, c.labels);
      c.labels.forEach((l, i) => close(auc.perClass[l] as number, e.auc[i]));
      close(auc.macro as number, e.aucMacro);
    });
  });
});
