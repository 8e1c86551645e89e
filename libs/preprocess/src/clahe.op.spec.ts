import { describe, expect, it } from 'vitest';
import { clipAndRedistribute, computeClaheTiles, reflect101 } from './clahe-tiles.util.js';
import { clahe } from './clahe.op.js';
import { errorCode, gray, rowsOf } from './test-helpers.util.js';

describe('reflect101 (BORDER_REFLECT_101)', () => {
  it.each([
    [5, 5, 3],
    [6, 5, 2],
    [9, 5, 1],
    [-1, 5, 1],
    [3, 1, 0],
    [4, 2, 0],
    [5, 2, 1],
  ])('p=%d len=%d -> %d', (p, len, expected) => expect(reflect101(p, len)).toBe(expected));
});

describe('clipAndRedistribute', () => {
  it('clips at the limit and spreads the residual with stride 256/residual from bin 0', () => {
    const h = new Int32Array(256);
    h[100] = 12;
    h[200] = 4;
    clipAndRedistribute(h, 2);
    // 12 clipped, batch 0, residual 12 -> stride 21: bins 0, 21, ..., 231 get one each.
    const expected = new Int32Array(256);
    for (let k = 0; k < 12; k++) expected[21 * k] = 1;
    expected[100] = 2;
    expected[200] = 2;
    expect(Array.from(h)).toEqual(Array.from(expected));
  });

  it('hands out whole batches to every bin', () => {
    const h = new Int32Array(256);
    h[0] = 600;
    clipAndRedistribute(h, 1);
    // 599 clipped = 2 * 256 + 87: every bin +2, then stride max(256/87, 1) = 2 -> bins 0, 2, ..., 172 +1.
    expect(h[0]).toBe(4);
    expect(h[1]).toBe(2);
    expect(h[172]).toBe(3);
    expect(h[173]).toBe(2);
    expect(h[174]).toBe(2);
    expect(h.reduce((a, b) => a + b, 0)).toBe(600);
  });
});

describe('computeClaheTiles', () => {
  it('pads both sides when one is not divisible (OpenCV quirk)', () => {
    // 16 x 5 with a 4 x 4 grid: width is divisible but still gets 4 extra columns -> 20 x 8.
    const t = computeClaheTiles(new Uint8Array(16 * 5), 16, 5, 4, 4, 0);
    expect([t.tileWidth, t.tileHeight]).toEqual([5, 2]);
  });

  it('scales the clip limit by tile area / 256, at least 1', () => {
    expect(computeClaheTiles(new Uint8Array(64), 8, 8, 1, 1, 40).clipPixels).toBe(10);
    expect(computeClaheTiles(new Uint8Array(64), 8, 8, 1, 1, 0.5).clipPixels).toBe(1);
    expect(computeClaheTiles(new Uint8Array(64), 8, 8, 1, 1, 0).clipPixels).toBe(0);
  });
});

describe('clahe', () => {
  it.each([
    // One tile of 4 px, no clip: lutScale 63.75 -> cumsums 1..4 -> 64, 127.5 -> 128, 191, 255.
    [
      '2x2, one tile, no clip',
      [
        [0, 64],
        [128, 255],
      ],
      { clipLimit: 0, tilesX: 1, tilesY: 1 },
      [
        [64, 128],
        [191, 255],
      ],
    ],
    // Area 12: lutScale 21.25, two black pixels -> 42.5 -> 42 (half to even).
    [
      '12x1, LUT tie to even',
      [[0, 0, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10]],
      { clipLimit: 0, tilesX: 1, tilesY: 1 },
      [[42, 42, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255]],
    ],
    // Two tiles of 2 px: x=0,1 use the left LUT, x=3 the right, x=2 blends both 50/50:
    // left {200,120}: 120 -> 128, 200 -> 255; right {120,40}: 40 -> 128, 120 -> 255; (128+255)/2 = 191.5 -> 192.
    [
      '4x1, two tiles blended',
      [[200, 120, 120, 40]],
      { clipLimit: 0, tilesX: 2, tilesY: 1 },
      [[255, 128, 192, 128]],
    ],
  ])('%s', (_name, input, options, expected) => {
    expect(rowsOf(clahe(gray(input), options))).toEqual(expected);
  });

  it('clips the histogram: 4x4, one tile, clip limit 40 -> 2 px per bin', () => {
    const rows = [
      [100, 100, 100, 100],
      [100, 100, 100, 100],
      [100, 100, 100, 100],
      [200, 200, 200, 200],
    ];
    // Clipped 12 spread over bins 0, 21, ..., 231: cumsum(100) = 5 + 2 = 7 -> 7 * 15.9375 = 111.56 -> 112,
    // cumsum(200) = 10 + 4 = 14 -> 223.1 -> 223.  Without clipping: 12 -> 191.25 -> 191 and 255.
    expect(rowsOf(clahe(gray(rows), { clipLimit: 40, tilesX: 1, tilesY: 1 }))).toEqual([
      [112, 112, 112, 112],
      [112, 112, 112, 112],
      [112, 112, 112, 112],
      [223, 223, 223, 223],
    ]);
    expect(rowsOf(clahe(gray(rows), { clipLimit: 0, tilesX: 1, tilesY: 1 }))[0]).toEqual([
      191, 191, 191, 191,
    ]);
  });

  it('maps a constant image to one value everywhere, and handles 1xN / Nx1 with large grids', () => {
    const c = clahe(
      gray([
        [50, 50, 50],
        [50, 50, 50],
      ]),
      { clipLimit: 2, tilesX: 8, tilesY: 8 },
    );
    expect(new Set(c.data).size).toBe(1);
    expect(clahe(gray([[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17]])).width).toBe(17);
    expect(clahe(gray([[1], [2], [3]]), { tilesX: 16, tilesY: 16 }).height).toBe(3);
  });

  it('gives the same result for data at any byte offset (32-bit reads)', () => {
    const w = 23;
    const h = 9;
    const base = Uint8Array.from({ length: w * h }, (_, i) => (i * 53 + (i >> 3) * 7) % 256);
    const expected = Array.from(
      clahe({ data: base, width: w, height: h, channels: 1 }, { tilesX: 3, tilesY: 2 }).data,
    );
    for (let offset = 1; offset < 4; offset++) {
      const backing = new Uint8Array(w * h + 8);
      backing.set(base, offset);
      const view = backing.subarray(offset, offset + w * h);
      expect(
        Array.from(clahe({ data: view, width: w, height: h, channels: 1 }, { tilesX: 3, tilesY: 2 }).data),
      ).toEqual(expected);
    }
  });

  it('uses the defaults clip 2.0, 8x8 tiles', () => {
    const img = gray([Array.from({ length: 64 }, (_, i) => (i * 37) % 256)]);
    expect(Array.from(clahe(img).data)).toEqual(
      Array.from(clahe(img, { clipLimit: 2, tilesX: 8, tilesY: 8 }).data),
    );
  });

  it.each([
    [{ clipLimit: -1 }],
    [{ clipLimit: Number.NaN }],
    [{ clipLimit: Infinity }],
    [{ tilesX: 0 }],
    [{ tilesY: 2.5 }],
    [{ tilesX: 5000 }],
  ])('rejects %o', (options) => {
    expect(errorCode(() => clahe(gray([[1, 2]]), options))).toBe('PREPROCESS.INVALID_INPUT');
  });

  it('rejects RGB input', () => {
    expect(errorCode(() => clahe({ data: new Uint8Array(12), width: 2, height: 2, channels: 3 }))).toBe(
      'PREPROCESS.INVALID_INPUT',
    );
  });
});
