import { describe, expect, it } from 'vitest';
import type { SegmentInstance } from '../ports/segmenter.port.js';
import { NO_LINE, stageFromSegmentation } from './stage-rule.js';

const classes = ['stage1', 'stage2', 'stage3'];
function inst(label: string, areaPx: number): SegmentInstance {
  return {
    classIndex: classes.indexOf(label),
    label,
    confidence: 0.9,
    areaPx,
    box: { x: 0, y: 0, width: 1, height: 1 },
    polygon: [],
  };
}

describe('stageFromSegmentation (the paper rule)', () => {
  it.each([
    { name: 'no instance -> none', instances: [], stage: NO_LINE },
    { name: 'single stage', instances: [inst('stage2', 10)], stage: 'stage2' },
    {
      name: 'union per stage beats the largest single instance',
      instances: [inst('stage1', 30), inst('stage3', 20), inst('stage3', 15)],
      stage: 'stage3',
    },
    {
      name: 'tie goes to the more severe stage',
      instances: [inst('stage1', 8), inst('stage2', 8)],
      stage: 'stage2',
    },
  ])('$name', ({ instances, stage }) => {
    expect(stageFromSegmentation({ classes, instances }).stage).toBe(stage);
  });

  it('reports areas and fractions by stage', () => {
    const d = stageFromSegmentation({
      classes,
      instances: [inst('stage1', 30), inst('stage3', 20), inst('stage3', 10)],
    });
    expect(d.areas).toEqual({ stage1: 30, stage2: 0, stage3: 30 });
    expect(d.fractions).toEqual({ stage1: 0.5, stage2: 0, stage3: 0.5 });
    expect(stageFromSegmentation({ classes, instances: [] }).fractions).toEqual({
      stage1: 0,
      stage2: 0,
      stage3: 0,
    });
  });
});
