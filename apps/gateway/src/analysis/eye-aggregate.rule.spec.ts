import { describe, expect, it } from 'vitest';
import { aggregateEyes, eyeOf, type EyeEvidence } from './eye-aggregate.rule.js';

const classes = ['stage0', 'stage1', 'stage2', 'stage3'];
const img = (
  id: string,
  laterality: string,
  stage: string | null,
  confidence: number | null,
): EyeEvidence => ({
  id,
  laterality,
  stage,
  confidence,
  classes,
});

describe('aggregateEyes (highest confident stage per eye)', () => {
  it('takes the most severe stage above the threshold, evidence = its most confident image', () => {
    const r = aggregateEyes(
      [
        img('a', 'R', 'stage1', 0.9),
        img('b', 'R', 'stage3', 0.4), // below threshold: ignored
        img('c', 'R', 'stage2', 0.6),
        img('d', 'R', 'stage2', 0.7),
        img('e', 'L', 'stage0', 0.8),
        img('f', 'L', null, null), // decode error
      ],
      0.5,
    );
    expect(r).toEqual([
      { laterality: 'R', stage: 'stage2', confidence: 0.7, evidenceId: 'd', imageCount: 4 },
      { laterality: 'L', stage: 'stage0', confidence: 0.8, evidenceId: 'e', imageCount: 1 },
    ]);
  });

  it('is indeterminate when no image is confident enough; B/U/absent group as U', () => {
    expect(aggregateEyes([img('a', 'B', 'stage3', 0.3), img('b', '', 'none', 0.2)], 0.5)).toEqual([
      { laterality: 'U', stage: 'indeterminate', confidence: null, evidenceId: null, imageCount: 2 },
    ]);
  });

  it("ranks 'none' below every stage and keeps eyes with only errors", () => {
    expect(
      aggregateEyes(
        [img('a', 'L', 'none', 0.9), img('b', 'L', 'stage0', 0.51), img('c', 'R', null, null)],
        0.5,
      ),
    ).toEqual([
      { laterality: 'R', stage: 'indeterminate', confidence: null, evidenceId: null, imageCount: 0 },
      { laterality: 'L', stage: 'stage0', confidence: 0.51, evidenceId: 'b', imageCount: 2 },
    ]);
    expect([eyeOf('R'), eyeOf('L'), eyeOf('B'), eyeOf(null)]).toEqual(['R', 'L', 'U', 'U']);
  });
});
