import { describe, expect, it } from 'vitest';
import { colourMask, FILL_RGBA, OUTLINE_RGBA } from './overlay';

/** 4x3 RGBA mask with a 3x2 block at x 0..2, y 0..1 (255 = line). */
function mask(): Uint8ClampedArray {
  const m = new Uint8ClampedArray(4 * 3 * 4);
  for (let y = 0; y < 2; y++) for (let x = 0; x < 3; x++) m.set([255, 255, 255, 255], (y * 4 + x) * 4);
  return m;
}
const at = (px: Uint8ClampedArray, x: number, y: number) => [
  ...px.slice((y * 4 + x) * 4, (y * 4 + x) * 4 + 4),
];

describe('colourMask', () => {
  it('outline: edge pixels of the mask in yellow, the rest transparent', () => {
    const px = colourMask(mask(), 4, 3, 'outline');
    expect(at(px, 0, 0)).toEqual([...OUTLINE_RGBA]);
    expect(at(px, 1, 1)).toEqual([...OUTLINE_RGBA]); // bottom neighbour is off
    expect(at(px, 3, 0)).toEqual([0, 0, 0, 0]);
    expect(at(px, 1, 2)).toEqual([0, 0, 0, 0]);
  });
  it('fill: interior in translucent sky blue plus the outline; off: nothing', () => {
    const m = new Uint8ClampedArray(3 * 3 * 4).fill(255);
    const px = colourMask(m, 3, 3, 'fill');
    expect(at3(px, 1, 1)).toEqual([...FILL_RGBA]);
    expect(at3(px, 0, 1)).toEqual([...OUTLINE_RGBA]);
    expect(colourMask(m, 3, 3, 'off').every((v) => v === 0)).toBe(true);
  });
});

const at3 = (px: Uint8ClampedArray, x: number, y: number) => [
  ...px.slice((y * 3 + x) * 4, (y * 3 + x) * 4 + 4),
];
