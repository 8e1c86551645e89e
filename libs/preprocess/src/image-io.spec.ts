import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRopError, type Image8 } from '@ropline/core';
import jpeg from 'jpeg-js';
import { decodeImageBytes, encodePng, jpegComponents, readImageFile, writePng } from './image-io.js';

/** A minimal PNG writer (filter 0 scanlines) for the colour types and depths pngjs cannot write. */
function makePng(
  width: number,
  height: number,
  colorType: number,
  bitDepth: 8 | 16,
  samples: number[],
  extra: [string, Buffer][] = [],
): Buffer {
  const perPixel = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }[colorType] as number;
  const bytesPerSample = bitDepth / 8;
  const rowBytes = width * perPixel * bytesPerSample;
  const raw = Buffer.alloc(height * (rowBytes + 1));
  for (let y = 0; y < height; y++) {
    for (let k = 0; k < width * perPixel; k++) {
      const v = samples[y * width * perPixel + k];
      const at = y * (rowBytes + 1) + 1 + k * bytesPerSample;
      if (bitDepth === 16) raw.writeUInt16BE(v, at);
      else raw[at] = v;
    }
  }
  const chunk = (type: string, body: Buffer): Buffer => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(body.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([Buffer.from(type, 'latin1'), body])));
    return Buffer.concat([len, Buffer.from(type, 'latin1'), body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = bitDepth;
  ihdr[9] = colorType;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    ...extra.map(([t, b]) => chunk(t, b)),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** 8x8 grayscale (1-component) baseline JPEG of the ramp 4 * (y * 8 + x), quality 100. */
const GRAY_JPEG_BASE64 =
  '/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQH/wAALCAAIAAgBAREA/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/9oACAEBAAA/AM/4bf8ABtx/x7/8UF/d/wCYb9P+mVf/2Q==';

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return isRopError(e) ? e.code : 'not a RopError';
  }
  return 'no error';
}

describe('decodeImageBytes: PNG', () => {
  it.each([
    ['gray 8-bit', makePng(2, 1, 0, 8, [0, 200]), 1, [0, 200]],
    ['gray 16-bit, scaled to 8 bits', makePng(3, 1, 0, 16, [0, 257 * 100, 65535]), 1, [0, 100, 255]],
    ['gray + alpha, composited over black', makePng(2, 1, 4, 8, [200, 255, 200, 0]), 1, [200, 0]],
    ['RGB 8-bit', makePng(1, 1, 2, 8, [10, 20, 30]), 3, [10, 20, 30]],
    ['RGB 16-bit', makePng(1, 1, 2, 16, [65535, 0, 32896]), 3, [255, 0, 128]],
    ['RGBA half transparent', makePng(1, 1, 6, 8, [200, 100, 50, 128]), 3, [100, 50, 25]],
    [
      'palette',
      makePng(2, 1, 3, 8, [1, 0], [['PLTE', Buffer.from([9, 8, 7, 250, 100, 0])]]),
      3,
      [250, 100, 0, 9, 8, 7],
    ],
  ] as [string, Buffer, number, number[]][])('%s', (_name, bytes, channels, expected) => {
    const img = decodeImageBytes(bytes);
    expect(img.channels).toBe(channels);
    expect(Array.from(img.data)).toEqual(expected);
  });
});

describe('decodeImageBytes: JPEG', () => {
  it('decodes RGB JPEG to 3 channels (lossy: close to the source)', () => {
    const w = 16;
    const h = 8;
    const rgba = Buffer.alloc(w * h * 4);
    for (let i = 0; i < w * h; i++) rgba.set([120, 60 + (i % w), 30, 255], i * 4);
    const bytes = jpeg.encode({ data: rgba, width: w, height: h }, 100).data;
    const img = decodeImageBytes(bytes);
    expect([img.width, img.height, img.channels]).toEqual([16, 8, 3]);
    for (let i = 0; i < w * h; i++)
      expect(Math.abs(img.data[i * 3 + 1] - (60 + (i % w)))).toBeLessThanOrEqual(3);
  });

  it('decodes a grayscale JPEG to 1 channel', () => {
    const bytes = Buffer.from(GRAY_JPEG_BASE64, 'base64');
    expect(jpegComponents(bytes)).toBe(1);
    const img = decodeImageBytes(bytes);
    expect([img.width, img.height, img.channels]).toEqual([8, 8, 1]);
    for (let i = 0; i < 64; i++) expect(Math.abs(img.data[i] - 4 * i)).toBeLessThanOrEqual(3);
  });
});

describe('decodeImageBytes: bad input', () => {
  const png = makePng(
    4,
    4,
    0,
    8,
    Array.from({ length: 16 }, (_, i) => i),
  );
  it.each([
    ['empty', Buffer.alloc(0)],
    ['unknown signature', Buffer.from('GIF89a........')],
    ['truncated PNG', png.subarray(0, png.length - 20)],
    [
      'PNG with a corrupt CRC',
      Buffer.concat([png.subarray(0, 20), Buffer.from([0, 0, 0, 0]), png.subarray(24)]),
    ],
    ['JPEG header only', Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 2])],
    [
      'PNG claiming 65535 x 65535',
      Buffer.concat([png.subarray(0, 16), Buffer.from([0, 0, 255, 255, 0, 0, 255, 255]), png.subarray(24)]),
    ],
  ])('%s -> IMAGE.UNREADABLE', (_name, bytes) => {
    expect(code(() => decodeImageBytes(bytes))).toBe('IMAGE.UNREADABLE');
  });
});

describe('PNG files', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'ropline-io-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ['gray', { data: Uint8Array.from([0, 1, 254, 255, 7, 9]), width: 3, height: 2, channels: 1 }],
    ['RGB', { data: Uint8Array.from([1, 2, 3, 4, 5, 6]), width: 1, height: 2, channels: 3 }],
  ] as [string, Image8][])('round-trips %s losslessly and leaves no temporary file', async (_name, img) => {
    const file = path.join(dir, `${_name}.png`);
    await writePng(file, img);
    const back = await readImageFile(file);
    expect(back).toEqual({ ...img, data: back.data });
    expect(Array.from(back.data)).toEqual(Array.from(img.data));
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('encodes from a view into a larger buffer', () => {
    const backing = new Uint8Array(10).map((_, i) => i * 10);
    const img: Image8 = { data: backing.subarray(2, 6), width: 2, height: 2, channels: 1 };
    expect(Array.from(decodeImageBytes(encodePng(img)).data)).toEqual([20, 30, 40, 50]);
  });

  it('reports missing, unreadable and unwritable files', async () => {
    await expect(readImageFile(path.join(dir, 'nope.png'))).rejects.toMatchObject({
      code: 'IMAGE.UNREADABLE',
    });
    await writeFile(path.join(dir, 'junk.png'), 'not a png');
    await expect(readImageFile(path.join(dir, 'junk.png'))).rejects.toMatchObject({
      code: 'IMAGE.UNREADABLE',
      message: expect.stringContaining('junk.png'),
    });
    const img: Image8 = { data: new Uint8Array(1), width: 1, height: 1, channels: 1 };
    await expect(writePng(path.join(dir, 'missing-dir', 'x.png'), img)).rejects.toMatchObject({
      code: 'IMAGE.UNWRITABLE',
    });
  });
});
