import { describe, expect, it } from 'vitest';
import { distanceToSegment, simplifyClosedPolygon } from './polygon-simplify.util.js';

describe('distanceToSegment', () => {
  it.each([
    { p: [1, 1], a: [0, 0], b: [2, 0], d: 1 },
    { p: [3, 0], a: [0, 0], b: [2, 0], d: 1 },
    { p: [-3, 4], a: [0, 0], b: [2, 0], d: 5 },
    { p: [3, 4], a: [0, 0], b: [0, 0], d: 5 },
  ] as const)('$p to $a-$b = $d', ({ p, a, b, d }) => {
    expect(distanceToSegment(p, a, b)).toBeCloseTo(d, 12);
  });
});

describe('simplifyClosedPolygon (Douglas–Peucker)', () => {
  it('reduces a traced square to its corners, keeping order and the first vertex', () => {
    const square: [number, number][] = [
      [1, 1],
      [2, 1],
      [3, 1],
      [3, 2],
      [3, 3],
      [2, 3],
      [1, 3],
      [1, 2],
    ];
    expect(simplifyClosedPolygon(square, 1)).toEqual([
      [1, 1],
      [3, 1],
      [3, 3],
      [1, 3],
    ]);
  });

  it('reduces a thin line (walked out and back) to its two ends', () => {
    const line: [number, number][] = [
      [1, 1],
      [2, 1],
      [3, 1],
      [4, 1],
      [3, 1],
      [2, 1],
    ];
    expect(simplifyClosedPolygon(line, 1)).toEqual([
      [1, 1],
      [4, 1],
    ]);
  });

  it('keeps a corner that deviates by more than the tolerance and drops a 1 px wiggle', () => {
    // A 10 px wide, flat-topped shape with a 1 px bump on top, and a 3 px notch at the bottom.
    const poly: [number, number][] = [
      [0, 0],
      [4, 0],
      [5, -1],
      [6, 0],
      [10, 0],
      [10, 4],
      [5, 1],
      [0, 4],
    ];
    expect(simplifyClosedPolygon(poly, 1)).toEqual([
      [0, 0],
      [10, 0],
      [10, 4],
      [5, 1],
      [0, 4],
    ]);
    expect(simplifyClosedPolygon(poly, 0.5)).toEqual(poly);
  });

  it('leaves polygons of up to 3 vertices as they are', () => {
    expect(simplifyClosedPolygon([[2, 2]], 1)).toEqual([[2, 2]]);
    expect(
      simplifyClosedPolygon(
        [
          [0, 0],
          [1, 0],
          [0, 1],
        ],
        5,
      ),
    ).toEqual([
      [0, 0],
      [1, 0],
      [0, 1],
    ]);
  });
});
