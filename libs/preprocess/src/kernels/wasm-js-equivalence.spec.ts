/**
 * The WebAssembly kernels against the pure-JS reference implementations: identical pixels on
 * random and structured images of many sizes (1xN, Nx1, odd, 1600x1200), for every op that has a
 * wasm path. Together with opencv-parity.spec.ts (which runs both implementations against
 * OpenCV) this pins the wasm kernels to OpenCV 4.6 bit for bit.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mulberry32, type Image8 } from '@ropline/core';
import { makeFundusLike, makeGradient } from '@ropline/testing';
import { clahe } from '../clahe.op.js';
import { equalizeHist } from '../equalize-hist.op.js';
import { resize } from '../resize.op.js';
import { toGray, type GrayWeights } from '../to-gray.op.js';
import { preprocessKernels, setPreprocessKernels, type PreprocessKernels } from './kernel-mode.util.js';

afterAll(() => setPreprocessKernels(undefined));

function run(mode: PreprocessKernels, fn: () => Image8): Image8 {
  setPreprocessKernels(mode);
  expect(preprocessKernels()).toBe(mode); // the wasm module must really load, not fall back
  return fn();
}

/** Runs `fn` with each implementation and reports the first differing pixel, if any. */
function expectSame(fn: () => Image8): void {
  const js = run('js', fn);
  const wasm = run('wasm', fn);
  expect([wasm.width, wasm.height, wasm.channels]).toEqual([js.width, js.height, js.channels]);
  expect(wasm.data.length).toBe(js.data.length);
  let first = -1;
  for (let i = 0; i < js.data.length && first < 0; i++) if (js.data[i] !== wasm.data[i]) first = i;
  const where = first < 0 ? 'none' : `pixel ${first}: js ${js.data[first]}, wasm ${wasm.data[first]}`;
  expect(where).toBe('none');
}

type Kind = 'noise' | 'gradient' | 'levels' | 'constant' | 'fundus';

/** A 1- or 3-channel test image: uniform noise, smooth ramp, few gray levels, constant, fundus-like. */
function image(kind: Kind, width: number, height: number, seed: number, channels: 1 | 3 = 1): Image8 {
  if (kind === 'fundus' && channels === 3) return makeFundusLike(width, height, seed);
  if (kind === 'fundus') return toGray(makeFundusLike(width, height, seed));
  if (kind === 'gradient' && channels === 1) return makeGradient(width, height, seed);
  const rnd = mulberry32(seed);
  const data = new Uint8Array(width * height * channels);
  const c = Math.floor(rnd() * 256);
  for (let i = 0; i < data.length; i++) {
    if (kind === 'noise' || kind === 'gradient') data[i] = Math.floor(rnd() * 256);
    else if (kind === 'levels') data[i] = [0, 0, 0, 17, 128, 255][Math.floor(rnd() * 6)];
    else data[i] = c;
  }
  return { data, width, height, channels };
}

const SIZES: [number, number][] = [
  [1, 1],
  [1, 17],
  [17, 1],
  [2, 2],
  [3, 5],
  [7, 3],
  [16, 16],
  [31, 33],
  [64, 48],
  [101, 77],
  [257, 129],
  [640, 480],
];
const BIG: [number, number] = [1600, 1200];
const KINDS: Kind[] = ['noise', 'gradient', 'levels', 'constant'];

describe('toGray: wasm === js', () => {
  const weights: GrayWeights[] = [
    [0.3, 0.59, 0.11], // the paper's: SIMD fast path (scale 100)
    [0.299, 0.587, 0.114], // scale 1000: the generic exact-division path
    [1, 1, 1], // sums above 255 saturate
    [0.5, 0.5, 0],
    [0.1, 0, 0.9], // scale 10
    [1, 0, 0], // scale 1
    [0.333333, 0.333333, 0.333334], // 6 decimals
  ];
  it.each(SIZES)('%ix%i, all weight kinds', (w, h) => {
    for (const [k, kind] of (['noise', 'levels', 'constant'] as Kind[]).entries()) {
      const img = image(kind, w, h, 11 + k, 3);
      for (const wt of weights) expectSame(() => toGray(img, wt));
    }
  });

  it('1600x1200 fundus-like and noise', () => {
    for (const wt of weights.slice(0, 3)) {
      expectSame(() => toGray(image('fundus', ...BIG, 7, 3), wt));
      expectSame(() => toGray(image('noise', ...BIG, 8, 3), wt));
    }
  });

  it('input that is not 4-byte aligned (subarray view)', () => {
    const img = image('noise', 37, 11, 5, 3);
    const buf = new Uint8Array(img.data.length + 1);
    buf.set(img.data, 1);
    expectSame(() => toGray({ ...img, data: buf.subarray(1) }));
  });
});

describe('equalizeHist: wasm === js', () => {
  it.each(SIZES)('%ix%i, noise / gradient / few levels / constant', (w, h) => {
    for (const [k, kind] of KINDS.entries()) {
      const img = image(kind, w, h, 21 + k);
      expectSame(() => equalizeHist(img));
    }
  });

  it('1600x1200 fundus-like, noise, few levels', () => {
    for (const kind of ['fundus', 'noise', 'levels'] as Kind[]) {
      const img = image(kind, ...BIG, 9);
      expectSame(() => equalizeHist(img));
    }
  });

  it('two gray levels and an unaligned view', () => {
    expectSame(() =>
      equalizeHist({ data: Uint8Array.from([3, 3, 3, 200]), width: 2, height: 2, channels: 1 }),
    );
    const img = image('gradient', 33, 9, 4);
    const buf = new Uint8Array(img.data.length + 3);
    buf.set(img.data, 3);
    expectSame(() => equalizeHist({ ...img, data: buf.subarray(3) }));
  });
});

describe('CLAHE: wasm === js', () => {
  const clips = [0, 0.5, 2, 40];
  const grids: [number, number][] = [
    [1, 1],
    [2, 3],
    [8, 8],
    [7, 5],
    [16, 16],
    [32, 3], // tiles narrower than a few pixels (and wider grids than small images)
  ];
  it.each(SIZES)('%ix%i, clip limits x grids', (w, h) => {
    for (const [k, kind] of KINDS.entries()) {
      const img = image(kind, w, h, 31 + k);
      for (const clipLimit of clips) {
        for (const [tilesX, tilesY] of grids) expectSame(() => clahe(img, { clipLimit, tilesX, tilesY }));
      }
    }
  });

  it('1600x1200 fundus-like and noise, several grids', () => {
    const fundus = equalizeHist(image('fundus', ...BIG, 7));
    const noise = image('noise', ...BIG, 8);
    for (const [clipLimit, tilesX, tilesY] of [
      [2, 8, 8],
      [4, 7, 5],
      [0, 16, 16],
      [40, 1, 1],
      [1, 64, 48],
    ]) {
      expectSame(() => clahe(fundus, { clipLimit, tilesX, tilesY }));
      expectSame(() => clahe(noise, { clipLimit, tilesX, tilesY }));
    }
  });

  it('more tiles than pixels: 100 x 64 tiles on a 40x30 image', () => {
    const img = image('noise', 40, 30, 3);
    expectSame(() => clahe(img, { clipLimit: 2, tilesX: 100, tilesY: 64 }));
  });
});

describe('resize INTER_AREA: wasm === js', () => {
  /** Shrinking targets: integer factors (2x2, 3x3, 1x2), non-integer, and to 1 pixel. */
  function targets(w: number, h: number): [number, number][] {
    const t: [number, number][] = [
      [Math.max(1, w >> 1), Math.max(1, h >> 1)],
      [Math.max(1, Math.floor(w / 3)), Math.max(1, Math.floor(h / 3))],
      [w, Math.max(1, h >> 1)],
      [Math.max(1, Math.ceil(w * 0.61)), Math.max(1, Math.ceil(h * 0.37))],
      [Math.max(1, w - 1), Math.max(1, h - 1)],
      [1, 1],
    ];
    if (w >= 299 && h >= 299) t.push([299, 299]);
    return t;
  }
  it.each(SIZES)('%ix%i to several sizes', (w, h) => {
    for (const [k, kind] of KINDS.entries()) {
      const img = image(kind, w, h, 41 + k);
      for (const [tw, th] of targets(w, h)) expectSame(() => resize(img, tw, th, 'area'));
    }
  });

  it('1600x1200 fundus-like to 299x299, 800x600, 533x400, 1000x700', () => {
    const img = equalizeHist(image('fundus', ...BIG, 7));
    for (const [tw, th] of [
      [299, 299],
      [800, 600],
      [533, 400],
      [1000, 700],
    ]) {
      expectSame(() => resize(img, tw, th, 'area'));
    }
  });
});
