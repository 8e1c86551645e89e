import { describe, expect, it } from 'vitest';
import { asciiMask, asciiProbability } from './ascii-mask.fixture.js';
import {
  decodeBinarySegmentation,
  decodeMultiClassSegmentation,
  type InstanceRules,
} from './mask-instances.util.js';

const rules: InstanceRules = { pixelThreshold: 0.5, confidenceThreshold: 0.8, simplifyTolerancePx: 1 };

describe('decodeBinarySegmentation', () => {
  it('keeps confident components, drops the others from the mask, sorts by confidence', () => {
    // Left: a line of 0.9 / 0.8 pixels (mean 0.85). Right: a blob at 0.7 (dropped). Bottom: 0.95.
    const p = asciiProbability(`
      ..........
      .9898.....
      ......777.
      ......777.
      ..........
      .##.......`);
    const r = decodeBinarySegmentation(p, p.width, p.height, 'line', rules);
    expect(r.instances.map((i) => [i.label, i.areaPx, i.box])).toEqual([
      ['line', 2, { x: 1, y: 5, width: 2, height: 1 }],
      ['line', 4, { x: 1, y: 1, width: 4, height: 1 }],
    ]);
    expect(r.instances[0].confidence).toBeCloseTo(0.95, 6);
    expect(r.instances[1].confidence).toBeCloseTo(0.85, 6);
    expect(r.instances[1].polygon).toEqual([
      [1, 1],
      [4, 1],
    ]);
    const expectedMask = asciiMask(`
      ..........
      .####.....
      ..........
      ..........
      ..........
      .##.......`);
    expect(Array.from(r.mask)).toEqual(expectedMask.chars.map((c) => (c === '#' ? 255 : 0)));
    expect(r.labels).toBeNull();
    expect(r.probability).toBe(p);
  });

  it('treats the pixel threshold as strict and the confidence threshold as inclusive', () => {
    // 0.5 pixels are background; the remaining 0.8 component has confidence exactly 0.8.
    const p = asciiProbability('85\n..');
    const r = decodeBinarySegmentation(p, p.width, p.height, 'line', rules);
    expect(r.instances).toHaveLength(1);
    expect(r.instances[0].areaPx).toBe(1);
    expect(Array.from(r.mask)).toEqual([255, 0, 0, 0]);
  });

  it('a configurable confidence threshold changes what is kept', () => {
    const p = asciiProbability('77.\n...');
    expect(decodeBinarySegmentation(p, 3, 2, 'line', rules).instances).toHaveLength(0);
    expect(
      decodeBinarySegmentation(p, 3, 2, 'line', { ...rules, confidenceThreshold: 0.6 }).instances,
    ).toHaveLength(1);
  });

  it('rejects an output of the wrong size', () => {
    expect(() => decodeBinarySegmentation(new Float32Array(5), 2, 2, 'line', rules)).toThrow(RangeError);
  });
});

describe('decodeMultiClassSegmentation', () => {
  /** Softmax-like scores: class digit d (1..3) -> channel d gets `hi`, background the rest. */
  function scores(drawing: string, hi: Record<string, number>) {
    const m = asciiMask(drawing);
    const out = new Float32Array(m.chars.length * 4);
    m.chars.forEach((c, i) => {
      const k = c === '.' ? 0 : Number(c.replace(/[abc]/, (x) => String(' abc'.indexOf(x))));
      const p = k === 0 ? 0.97 : (hi[c] ?? 0.9);
      for (let ch = 0; ch < 4; ch++) out[i * 4 + ch] = ch === k ? p : (1 - p) / 3;
    });
    return { out, width: m.width, height: m.height };
  }

  it('labels pixels by arg-max, builds instances per class, drops low-confidence ones', () => {
    // '1','3' are confident; 'b' = class 2 at only 0.45 (arg-max, but mean < 0.8: dropped).
    const s = scores(
      `
      11.....
      11..bb.
      .......
      333....`,
      { b: 0.45 },
    );
    const r = decodeMultiClassSegmentation(s.out, s.width, s.height, ['stage1', 'stage2', 'stage3'], rules);
    expect(r.instances.map((i) => [i.label, i.classIndex, i.areaPx, i.box])).toEqual([
      ['stage1', 0, 4, { x: 0, y: 0, width: 2, height: 2 }],
      ['stage3', 2, 3, { x: 0, y: 3, width: 3, height: 1 }],
    ]);
    expect(r.instances[0].confidence).toBeCloseTo(0.9, 6);
    const labels = Array.from(r.labels ?? []);
    expect(labels.slice(0, 7)).toEqual([0, 0, -1, -1, -1, -1, -1]);
    // the dropped class-2 pixels are background in labels and mask
    expect(labels.slice(7, 14)).toEqual([0, 0, -1, -1, -1, -1, -1]);
    expect(labels.slice(21, 28)).toEqual([2, 2, 2, -1, -1, -1, -1]);
    expect(r.mask.filter((v) => v === 255)).toHaveLength(7);
    // probability = max over the stage classes: 0.9 on class pixels, 0.45 on 'b', 0.01 elsewhere
    expect(r.probability[0]).toBeCloseTo(0.9, 6);
    expect(r.probability[7 + 4]).toBeCloseTo(0.45, 6);
    expect(r.probability[2]).toBeCloseTo(0.01, 6);
  });

  it('two touching regions of different classes are separate instances', () => {
    const s = scores('1122\n1122', {});
    const r = decodeMultiClassSegmentation(s.out, 4, 2, ['a', 'b', 'c'], rules);
    expect(r.instances.map((i) => [i.label, i.areaPx, i.box.x])).toEqual([
      ['a', 4, 0],
      ['b', 4, 2],
    ]);
  });
});
