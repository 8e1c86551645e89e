import { describe, expect, it } from 'vitest';
import { metricGate, readRetrainMetrics, type RetrainMetrics } from './gate.js';
import type { RegisteredModel } from './model-registry.js';

const ci = (estimate: number, w = 0.05) => ({ estimate, lower: estimate - w, upper: estimate + w });

function metrics(cand: { f1: number; kappa: number }, act = { f1: 0.5, kappa: 0.7 }): RetrainMetrics {
  const heldOut = {
    datasetHash: 'ab'.repeat(32),
    split: 'test',
    stages: [0, 1, 2, 3],
    items: ['a', 'b', 'c'],
    infants: ['i1', 'i2'],
    fingerprint: 'f'.repeat(64),
    bootstrap: { iterations: 100, seed: 1 },
  };
  const ev = (name: string, version: string, f1: number, kappa: number) => ({
    pipeline: { name, version },
    heldOut: heldOut.fingerprint,
    accuracy: ci(0.5),
    macroF1: ci(f1),
    kappaQuadratic: ci(kappa),
    lineDice: null,
  });
  return {
    candidate: ev('p', '2', cand.f1, cand.kappa),
    active: ev('p', '1', act.f1, act.kappa),
    heldOut,
  };
}

const row = (version: string, m: unknown) =>
  ({ kind: 'pipeline', name: 'p', version, metrics: m }) as unknown as RegisteredModel;
const active = row('1', {});

describe('metricGate', () => {
  it('passes a better or equal candidate and one within the margins', async () => {
    const gate = metricGate();
    for (const c of [
      { f1: 0.6, kappa: 0.8 },
      { f1: 0.5, kappa: 0.7 },
      { f1: 0.485, kappa: 0.685 },
    ]) {
      const v = await gate(row('2', metrics(c)), active);
      expect(v.ok, JSON.stringify(c)).toBe(true);
      expect(v.reasons).toHaveLength(2);
      expect(v.reasons[0]).toMatch(
        /^macro F1: candidate .* vs active 0\.500 \[0\.450, 0\.550\].*: pass \(held-out test: 3 images, 2 infants/,
      );
    }
  });

  it('refuses a candidate worse than the margin on either metric, saying which and with the CIs', async () => {
    const gate = metricGate();
    const f1 = await gate(row('2', metrics({ f1: 0.47, kappa: 0.9 })), active);
    expect(f1.ok).toBe(false);
    expect(f1.reasons[0]).toBe(
      'macro F1: candidate 0.470 [0.420, 0.520] vs active 0.500 [0.450, 0.550], difference -0.030 < -0.020 allowed: FAIL (held-out test: 3 images, 2 infants, dataset abababab)',
    );
    expect(f1.reasons[1]).toMatch(/^quadratic kappa: .*: pass/);
    const kappa = await gate(row('2', metrics({ f1: 0.5, kappa: 0.6 })), active);
    expect(kappa.ok).toBe(false);
    expect(kappa.reasons[1]).toMatch(
      /^quadratic kappa: candidate 0\.600 .* difference -0\.100 < -0\.020 allowed: FAIL/,
    );
    // Wider margins let the same candidate through.
    expect(
      (await metricGate({ marginKappa: 0.15 })(row('2', metrics({ f1: 0.5, kappa: 0.6 })), active)).ok,
    ).toBe(true);
  });

  it('fails a candidate without held-out metrics while a version is active; passes it as the first activation', async () => {
    const v = await metricGate()(row('2', { segmenter: { loss: 0.1 } }), active);
    expect(v.ok).toBe(false);
    expect(v.reasons[0]).toMatch(
      /p@2 has no held-out comparison with the active version 1: it was registered without held-out metrics/,
    );
    const first = await metricGate()(row('2', {}), null);
    expect(first.ok).toBe(true);
    expect(first.reasons[0]).toMatch(/no active version of p: first activation/);
    const broken = readRetrainMetrics({ candidate: {}, heldOut: {} });
    expect(broken.ok).toBe(false);
  });

  it('fails when the comparison was made against another version or on different held-out sets', async () => {
    const v = await metricGate()(row('3', metrics({ f1: 0.9, kappa: 0.9 })), row('7', {}));
    expect(v.ok).toBe(false);
    expect(v.reasons[0]).toContain('was compared with p@1, but the active version is 7');
    const m = metrics({ f1: 0.9, kappa: 0.9 });
    m.active.heldOut = 'e'.repeat(64);
    const w = await metricGate()(row('2', m), active);
    expect(w.ok).toBe(false);
    expect(w.reasons[0]).toMatch(/not measured on the same held-out set/);
  });

  it('rejects negative margins', () => {
    expect(() => metricGate({ marginMacroF1: -0.1 })).toThrow(/marginMacroF1 must be a number >= 0/);
  });
});
