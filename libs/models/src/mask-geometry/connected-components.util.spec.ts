import { describe, expect, it } from 'vitest';
import { asciiMask } from './ascii-mask.fixture.js';
import { labelComponents } from './connected-components.util.js';

function components(drawing: string) {
  const m = asciiMask(drawing);
  const { labels, components } = labelComponents(m.width, m.height, (i) => m.chars[i] === '#');
  return { labels, components, width: m.width };
}

describe('labelComponents (8-connectivity)', () => {
  it.each([
    { name: 'empty', drawing: '...\n...', count: 0, areas: [] },
    { name: 'one pixel', drawing: '...\n.#.\n...', count: 1, areas: [1] },
    { name: 'diagonal pixels join', drawing: '#..\n.#.\n..#', count: 1, areas: [3] },
    { name: 'anti-diagonal joins', drawing: '..#\n.#.\n#..', count: 1, areas: [3] },
    { name: 'gap of one pixel separates', drawing: '#.#\n...\n#.#', count: 4, areas: [1, 1, 1, 1] },
    { name: 'U shape is one', drawing: '#...#\n#...#\n#####', count: 1, areas: [9] },
    { name: 'two blobs', drawing: '##...\n##...\n....#\n...##', count: 2, areas: [4, 3] },
  ])('$name', ({ drawing, count, areas }) => {
    const r = components(drawing);
    expect(r.components).toHaveLength(count);
    expect(r.components.map((c) => c.areaPx)).toEqual(areas);
  });

  it('reports boxes, raster-first start pixels and writes ids into labels', () => {
    const r = components(`
      ......
      ..##..
      .###..
      ......
      ....##`);
    expect(r.components).toEqual([
      { id: 1, areaPx: 5, minX: 1, minY: 1, maxX: 3, maxY: 2, startX: 2, startY: 1 },
      { id: 2, areaPx: 2, minX: 4, minY: 4, maxX: 5, maxY: 4, startX: 4, startY: 4 },
    ]);
    expect(r.labels[1 * r.width + 2]).toBe(1);
    expect(r.labels[2 * r.width + 1]).toBe(1);
    expect(r.labels[4 * r.width + 5]).toBe(2);
    expect(r.labels[0]).toBe(0);
  });

  it('handles a component larger than any recursion limit', () => {
    const width = 400;
    const height = 300;
    const r = labelComponents(width, height, () => true);
    expect(r.components).toHaveLength(1);
    expect(r.components[0].areaPx).toBe(width * height);
  });
});
