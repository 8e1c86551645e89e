import { describe, expect, it } from 'vitest';
import { makeFundusLike } from '@ropline/testing';
import { clahe } from './clahe.op.js';
import { equalizeHist } from './equalize-hist.op.js';
import { preprocessConfigSchema } from './preprocess-config.schema.js';
import { createPreprocessPipeline, parsePreprocessConfig, preprocess } from './preprocess.pipeline.js';
import { resize } from './resize.op.js';
import { errorCode, gray } from './test-helpers.util.js';
import { toGray } from './to-gray.op.js';

describe('preprocess config', () => {
  it('defaults to the paper: gray -> equalize -> clahe(2, 8x8) -> 299 x 299', () => {
    expect(parsePreprocessConfig({})).toEqual({
      steps: ['gray', 'equalize', 'clahe', 'resize'],
      grayWeights: [0.3, 0.59, 0.11],
      clahe: { clipLimit: 2, tilesX: 8, tilesY: 8 },
      resize: { width: 299, height: 299, interpolation: 'auto' },
    });
  });

  it('fills partial sections and survives a JSON round trip (manifest)', () => {
    const c = parsePreprocessConfig({ clahe: { tilesX: 4 }, resize: { width: 128 } });
    expect(c.clahe).toEqual({ clipLimit: 2, tilesX: 4, tilesY: 8 });
    expect(c.resize).toEqual({ width: 128, height: 299, interpolation: 'auto' });
    expect(preprocessConfigSchema.parse(JSON.parse(JSON.stringify(c)))).toEqual(c);
  });

  it.each([
    ['unknown step', { steps: ['gray', 'sharpen'] }],
    ['repeated step', { steps: ['gray', 'gray'] }],
    ['negative clip', { clahe: { clipLimit: -1 } }],
    ['fractional tiles', { clahe: { tilesX: 2.5 } }],
    ['zero size', { resize: { width: 0 } }],
    ['unknown interpolation', { resize: { interpolation: 'cubic' } }],
    ['unknown key', { normalize: true }],
    ['bad weights', { grayWeights: [0.3, 0.7] }],
    ['all-zero weights', { grayWeights: [0, 0, 0] }],
    ['not an object', 'gray'],
  ])('rejects %s with PREPROCESS.INVALID_CONFIG', (_name, config) => {
    expect(errorCode(() => parsePreprocessConfig(config))).toBe('PREPROCESS.INVALID_CONFIG');
    expect(errorCode(() => createPreprocessPipeline(config as never))).toBe('PREPROCESS.INVALID_CONFIG');
  });

  it('says what is wrong', () => {
    expect(() => parsePreprocessConfig({ clahe: { clipLimit: -1 } })).toThrow(/clahe\.clipLimit/);
  });
});

describe('createPreprocessPipeline', () => {
  const rgb = makeFundusLike(160, 120, 3);

  it('runs the steps in order, equal to calling the functions by hand', () => {
    const out = createPreprocessPipeline({ resize: { width: 64, height: 48 } }).run(rgb);
    const byHand = resize(
      clahe(equalizeHist(toGray(rgb)), { clipLimit: 2, tilesX: 8, tilesY: 8 }),
      64,
      48,
      'auto',
    );
    expect([out.width, out.height, out.channels]).toEqual([64, 48, 1]);
    expect(Array.from(out.data)).toEqual(Array.from(byHand.data));
  });

  it('gives the 299 x 299 gray model input by default', () => {
    const out = preprocess(rgb);
    expect([out.width, out.height, out.channels]).toEqual([299, 299, 1]);
  });

  it('honours a custom step list and returns a copy for no steps', () => {
    const g = gray([
      [0, 0],
      [1, 2],
    ]);
    expect(Array.from(preprocess(g, { steps: ['equalize'] }).data)).toEqual([0, 0, 128, 255]);
    const same = preprocess(g, { steps: [] });
    expect(Array.from(same.data)).toEqual([0, 0, 1, 2]);
    expect(same.data).not.toBe(g.data);
  });

  it('exposes the parsed config and reports an RGB image without a gray step', () => {
    const p = createPreprocessPipeline({ steps: ['equalize'] });
    expect(p.config.steps).toEqual(['equalize']);
    expect(errorCode(() => p.run(rgb))).toBe('PREPROCESS.INVALID_INPUT');
  });
});
