import { describe, expect, it } from 'vitest';
import { fitWithin } from './image-render.service.js';
import { latestLabels, type LabelView } from './label.view.js';
import { linesToImage } from './segmenter-space.js';
import { compareWorklist, type WorklistRow } from './worklist.service.js';

const CLASSES = ['stage0', 'stage1', 'stage2', 'stage3'];
const row = (id: string, rank: number, day: number): WorklistRow => ({
  id,
  studyInstanceUid: `1.2.${id}`,
  status: 'analysed',
  receivedAt: '',
  lastReceivedAt: new Date(Date.UTC(2026, 0, day)).toISOString(),
  imageCount: 1,
  eyes: [],
  maxStageRank: rank,
  classes: CLASSES,
  publish: { total: 0, pending: 0, sending: 0, sent: 0, dead: 0 },
});

describe('worklist order', () => {
  it('stage >= 2 first (most severe first), then newest; below stage 2 only by date', () => {
    const rows = [
      row('a', 0, 9),
      row('b', 2, 1),
      row('c', 3, 2),
      row('d', 1, 5),
      row('e', 2, 3),
      row('f', -1, 7),
    ];
    expect(rows.sort(compareWorklist).map((r) => r.id)).toEqual(['c', 'e', 'b', 'a', 'f', 'd']);
  });
  it('without stage2 among the classes nothing needs attention: newest first', () => {
    const rows = [row('a', 1, 1), row('b', 0, 2)].map((r) => ({ ...r, classes: ['none', 'rop'] }));
    expect(rows.sort(compareWorklist).map((r) => r.id)).toEqual(['b', 'a']);
  });
});

const label = (id: number, o: Partial<LabelView>): LabelView => ({
  id: String(id),
  scope: 'eye',
  kind: 'stage',
  laterality: 'R',
  instanceId: null,
  frame: 0,
  stage: null,
  line: null,
  ungradable: null,
  agreesWithModel: null,
  analysisId: null,
  modelVersion: null,
  actor: 'dr',
  note: null,
  at: '',
  ...o,
});

describe('latestLabels', () => {
  it('keeps the last label per target and kind', () => {
    const l = latestLabels([
      label(1, { stage: 'stage1' }),
      label(2, { stage: 'stage2', laterality: 'L' }),
      label(3, { stage: 'stage3' }),
      label(4, { kind: 'ungradable', ungradable: true }),
      label(5, { scope: 'image', kind: 'line', instanceId: 'i1', line: [] }),
      label(6, { scope: 'image', kind: 'line', instanceId: 'i1', frame: 1, line: [] }),
    ]);
    expect(
      Object.fromEntries(Object.entries(l.eyes).map(([k, v]) => [k, Object.values(v).map((x) => x.id)])),
    ).toEqual({
      R: ['3', '4'],
      L: ['2'],
    });
    expect(Object.keys(l.images)).toEqual(['i1/0', 'i1/1']);
  });
});

describe('linesToImage / fitWithin', () => {
  it('maps polygon vertices from the segmenter input to image pixel centres', () => {
    const lines = [
      {
        polygon: [
          [0, 0],
          [95, 47.5],
        ],
      },
      { polygon: [[3, 3]] },
    ];
    expect(linesToImage(lines, { width: 96, height: 96 }, { width: 480, height: 192 })).toEqual([
      [
        [2, 0.5],
        [477, 95.5],
      ],
    ]);
    expect(linesToImage(null, { width: 1, height: 1 }, { width: 1, height: 1 })).toEqual([]);
  });
  it('shrinks RGB by area averaging per channel, never enlarges', () => {
    const data = new Uint8Array([10, 20, 30, 30, 40, 50, 50, 60, 70, 70, 80, 90]);
    const img = { data, width: 2, height: 2, channels: 3 as const };
    expect(fitWithin(img, 4)).toBe(img);
    const one = fitWithin(img, 1);
    expect([one.width, one.height, [...one.data]]).toEqual([1, 1, [40, 50, 60]]);
  });
});
