import { describe, expect, it } from 'vitest';
import { isRopError } from '@ropline/core';
import { classificationReport, cohenKappa, confusionMatrix } from './classification.js';
import { binaryRocAuc, rocAucOneVsRest } from './roc-auc.js';

// truth a a a b b c / pred a a b b c c (labels a < b < c):
//   confusion rows=truth [[2,1,0],[0,1,1],[0,0,1]], row sums 3 2 1, column sums 2 2 2.
//   a: P 2/2 R 2/3 F1 0.8 | b: P 1/2 R 1/2 F1 1/2 | c: P 1/2 R 1 F1 2/3; accuracy 4/6.
//   kappa: po 4/6, pe (3*2 + 2*2 + 1*2)/36 = 1/3 -> 0.5; linear: 1 - 2/(16/3) = 5/8;
//   quadratic: 1 - 2/8 = 3/4 (expected matrix E[i][j] = colsum_i * rowsum_j / 6).
const truth = ['a', 'a', 'a', 'b', 'b', 'c'];
const pred = ['a', 'a', 'b', 'b', 'c', 'c'];

function expectCode(fn: () => unknown, code = 'METRICS.INVALID_INPUT'): void {
  try {
    fn();
  } catch (e) {
    expect(isRopError(e) && e.code).toBe(code);
    return;
  }
  throw new Error('expected a RopError');
}

describe('confusionMatrix', () => {
  it('counts truth rows x prediction columns over the sorted union of labels', () => {
    expect(confusionMatrix(truth, pred)).toEqual({
      labels: ['a', 'b', 'c'],
      matrix: [
        [2, 1, 0],
        [0, 1, 1],
        [0, 0, 1],
      ],
    });
  });

  it('keeps the given label order, including labels that never occur', () => {
    expect(confusionMatrix(['x', 'y'], ['y', 'y'], ['y', 'z', 'x']).matrix).toEqual([
      [1, 0, 0],
      [0, 0, 0],
      [1, 0, 0],
    ]);
  });

  it('rejects a length mismatch, an unknown label and duplicate labels', () => {
    expectCode(() => confusionMatrix(['a'], ['a', 'b']));
    expectCode(() => confusionMatrix(['a'], ['q'], ['a']));
    expectCode(() => confusionMatrix(['a'], ['a'], ['a', 'a']));
  });
});

describe('classificationReport', () => {
  it('matches the hand-computed table', () => {
    const r = classificationReport(truth, pred);
    expect(r.accuracy).toBeCloseTo(4 / 6, 15);
    expect(r.perClass.a).toEqual({ precision: 1, recall: 2 / 3, f1: expect.closeTo(0.8, 15), support: 3 });
    expect(r.perClass.b).toEqual({ precision: 0.5, recall: 0.5, f1: 0.5, support: 2 });
    expect(r.perClass.c.f1).toBeCloseTo(2 / 3, 15);
    expect(r.macro.precision).toBeCloseTo(2 / 3, 15);
    expect(r.macro.recall).toBeCloseTo(13 / 18, 15);
    expect(r.macro.f1).toBeCloseTo(59 / 90, 15);
    expect(r.weighted.precision).toBeCloseTo(0.75, 15);
    expect(r.weighted.recall).toBeCloseTo(4 / 6, 15);
    expect(r.weighted.f1).toBeCloseTo(61 / 90, 15);
    expect(r.kappa.none).toBeCloseTo(0.5, 15);
    expect(r.kappa.linear).toBeCloseTo(5 / 8, 15);
    expect(r.kappa.quadratic).toBeCloseTo(3 / 4, 15);
  });

  it('gives 0 for 0/0 precision, recall and F1 (scikit-learn zero_division default)', () => {
    const r = classificationReport(['a', 'a'], ['a', 'b'], { labels: ['a', 'b', 'c'] });
    expect(r.perClass.b).toEqual({ precision: 0, recall: 0, f1: 0, support: 0 });
    expect(r.perClass.c).toEqual({ precision: 0, recall: 0, f1: 0, support: 0 });
    expect(r.perClass.a).toEqual({ precision: 1, recall: 0.5, f1: expect.closeTo(2 / 3, 15), support: 2 });
    expect(r.macro.precision).toBeCloseTo(1 / 3, 15);
  });

  it('rejects empty input', () => expectCode(() => classificationReport([], [])));
});

describe('cohenKappa', () => {
  it('is 1 for perfect agreement and NaN when undefined (one class only)', () => {
    expect(cohenKappa(['0', '1', '2'], ['0', '1', '2'], { weights: 'quadratic' })).toBe(1);
    expect(cohenKappa(['0', '0'], ['0', '0'])).toBeNaN();
  });

  it('treats labels as ordinal in the given order', () => {
    // truth 0 / pred 2 vs truth 0 / pred 1 with a third item: farther is penalized more (linear).
    const labels = ['0', '1', '2'];
    const far = cohenKappa(['0', '1', '2'], ['2', '1', '2'], { labels, weights: 'linear' });
    const near = cohenKappa(['0', '1', '2'], ['1', '1', '2'], { labels, weights: 'linear' });
    expect(far).toBeLessThan(near);
  });
});

describe('rocAucOneVsRest', () => {
  it('counts tied scores one half (hand-computed)', () => {
    // positives 0.9, 0.5; negatives 0.5, 0.1: pairs 1 + 1 + 0.5 + 1 = 3.5 of 4.
    expect(binaryRocAuc([true, false, true, false], [0.9, 0.5, 0.5, 0.1])).toBe(0.875);
  });

  it('is null for a class without positives, and the macro mean leaves it out', () => {
    const r = rocAucOneVsRest(
      ['a', 'b', 'a', 'b'],
      [
        [0.9, 0.1, 0],
        [0.4, 0.6, 0],
        [0.6, 0.4, 0],
        [0.2, 0.8, 0],
      ],
      ['a', 'b', 'c'],
    );
    expect(r.perClass).toEqual({ a: 1, b: 1, c: null });
    expect(r.macro).toBe(1);
  });

  it('rejects NaN scores, short rows and unknown labels', () => {
    expectCode(() => rocAucOneVsRest(['a'], [[NaN, 1]], ['a', 'b']));
    expectCode(() => rocAucOneVsRest(['a'], [[1]], ['a', 'b']));
    expectCode(() => rocAucOneVsRest(['q'], [[1, 0]], ['a', 'b']));
  });
});
