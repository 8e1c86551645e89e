import { classificationReport } from '@ropline/metrics';
import { describe, expect, it } from 'vitest';
import { PAPER_REFERENCE } from './paper-reference.js';

/** Expands a confusion matrix (rows = truth) back into label lists. */
function expand(rows: string[], labels: string[], m: number[][]): [string[], string[]] {
  const t: string[] = [];
  const p: string[] = [];
  m.forEach((row, i) =>
    row.forEach((n, j) => {
      for (let k = 0; k < n; k++) {
        t.push(rows[i]);
        p.push(labels[j]);
      }
    }),
  );
  return [t, p];
}

describe("the paper's tables, recomputed by libs/metrics", () => {
  it.each(Object.entries(PAPER_REFERENCE))(
    '%s: Table II follows from its confusion matrix (to the printed 2 decimals)',
    (_, arm) => {
      const [truth, pred] = expand(arm.rows, arm.labels, arm.confusion);
      const r = classificationReport(truth, pred, { labels: arm.labels });
      expect(r.accuracy).toBeCloseTo(arm.accuracy, 2);
      for (const [label, want] of Object.entries(arm.perClass)) {
        expect(Math.abs(r.perClass[label].precision - want.precision)).toBeLessThanOrEqual(0.0051);
        expect(Math.abs(r.perClass[label].recall - want.recall)).toBeLessThanOrEqual(0.0051);
        expect(Math.abs(r.perClass[label].f1 - want.f1)).toBeLessThanOrEqual(0.0051);
      }
    },
  );
});
