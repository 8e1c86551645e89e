import { describe, expect, it } from 'vitest';
import { asciiMask } from './ascii-mask.fixture.js';
import { labelComponents } from './connected-components.util.js';
import { signedArea2, traceOuterContour } from './contour-trace.util.js';

/** Contour of the first component of a drawing. */
function contourOf(drawing: string): [number, number][] {
  const m = asciiMask(drawing);
  const { labels, components } = labelComponents(m.width, m.height, (i) => m.chars[i] === '#');
  const c = components[0];
  const inside = (x: number, y: number) =>
    x >= 0 && y >= 0 && x < m.width && y < m.height && labels[y * m.width + x] === c.id;
  return traceOuterContour(c.startX, c.startY, inside);
}

describe('traceOuterContour (Moore neighbour, Jacob stopping)', () => {
  it.each([
    { name: 'isolated pixel', drawing: '...\n.#.\n...', expected: [[1, 1]] },
    {
      name: 'two pixels',
      drawing: '#.\n#.',
      expected: [
        [0, 0],
        [0, 1],
      ],
    },
    {
      name: '3x3 square, clockwise from top-left',
      drawing: '.....\n.###.\n.###.\n.###.\n.....',
      expected: [
        [1, 1],
        [2, 1],
        [3, 1],
        [3, 2],
        [3, 3],
        [2, 3],
        [1, 3],
        [1, 2],
      ],
    },
    {
      name: 'thin horizontal line is walked out and back',
      drawing: '......\n.####.\n......',
      expected: [
        [1, 1],
        [2, 1],
        [3, 1],
        [4, 1],
        [3, 1],
        [2, 1],
      ],
    },
    {
      name: 'diagonal line',
      drawing: '#..\n.#.\n..#',
      expected: [
        [0, 0],
        [1, 1],
        [2, 2],
        [1, 1],
      ],
    },
    {
      name: 'ring: outer boundary only, the hole is ignored',
      drawing: '###\n#.#\n###',
      expected: [
        [0, 0],
        [1, 0],
        [2, 0],
        [2, 1],
        [2, 2],
        [1, 2],
        [0, 2],
        [0, 1],
      ],
    },
    {
      name: 'V shape',
      drawing: '#...#\n.#.#.\n..#..',
      expected: [
        [0, 0],
        [1, 1],
        [2, 2],
        [3, 1],
        [4, 0],
        [3, 1],
        [2, 2],
        [1, 1],
      ],
    },
    {
      // The start pixel joins two arms: the walk returns to it before it is done.
      name: 'Λ shape: the start pixel is visited twice',
      drawing: '.#.\n#.#',
      expected: [
        [1, 0],
        [2, 1],
        [1, 0],
        [0, 1],
      ],
    },
  ])('$name', ({ drawing, expected }) => {
    expect(contourOf(drawing)).toEqual(expected);
  });

  it('touches the image border without stepping outside', () => {
    const c = contourOf('##\n##');
    expect(c).toEqual([
      [0, 0],
      [1, 0],
      [1, 1],
      [0, 1],
    ]);
  });

  it('is clockwise on screen (positive shoelace with y down) for an L shape', () => {
    const c = contourOf('#...\n#...\n####');
    expect(signedArea2(c)).toBeGreaterThan(0);
    expect(c[0]).toEqual([0, 0]);
    // every pixel on the boundary of this 1-px-wide shape is visited
    expect(new Set(c.map((p) => p.join(','))).size).toBe(6);
  });
});
