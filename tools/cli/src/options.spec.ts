import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import {
  parseGrid,
  parseList,
  parseNonNegativeInt,
  parsePositiveNumber,
  parseSize,
} from './commands/options.js';

describe('option parsers', () => {
  it.each([
    ['8x8', [8, 8]],
    ['7x5', [7, 5]],
    ['16', [16, 16]],
    [' 2X3 ', [2, 3]],
  ])('parseGrid(%j) = %j', (input, expected) => {
    expect(parseGrid(input)).toEqual(expected);
  });

  it.each(['0x8', 'x8', '8x', 'abc', '-1x2', '1.5x2'])('parseGrid(%j) refuses', (input) => {
    expect(() => parseGrid(input)).toThrow(InvalidArgumentError);
  });

  it('parses sizes, numbers and lists, refusing bad values', () => {
    expect(parseSize('320x240')).toEqual([320, 240]);
    expect(() => parseSize('0')).toThrow(/299 or 320x240/);
    expect(parseNonNegativeInt('0')).toBe(0);
    expect(() => parseNonNegativeInt('-1')).toThrow(InvalidArgumentError);
    expect(() => parseNonNegativeInt('1.5')).toThrow(InvalidArgumentError);
    expect(parsePositiveNumber('0.5')).toBe(0.5);
    expect(() => parsePositiveNumber('0')).toThrow(InvalidArgumentError);
    const steps = parseList(['gray', 'clahe'] as const);
    expect(steps('gray, clahe')).toEqual(['gray', 'clahe']);
    expect(() => steps('gray,blur')).toThrow(/got blur/);
    expect(() => steps('')).toThrow(/got nothing/);
  });
});
