import { describe, expect, it } from 'vitest';
import { readDicom } from '../reader/dicom.reader.js';
import { writeEncapsulated } from '../testing/encapsulated.builder.js';
import { createImageDataset } from '../testing/image-dataset.builder.js';
import { encodeRleFrame } from '../testing/rle.encoder.js';
import { TransferSyntax } from '../uid.constants.js';
import { decodeFrame, decodeFrames } from './frame.decode.js';

const W = 8;
const H = 5;
const frames = [0, 1, 2].map((f) =>
  Uint8Array.from({ length: W * H * 3 }, (_, i) => (i * (f + 3) + f * 40) % 256),
);
const rle = frames.map((f) =>
  encodeRleFrame(f, { rows: H, columns: W, samplesPerPixel: 3, bitsAllocated: 8 }),
);
const dataset = createImageDataset({ rows: H, columns: W, samplesPerPixel: 3, frames: 3 });
const RLE = TransferSyntax.RleLossless;

async function decodeAll(bytes: Uint8Array): Promise<number[][]> {
  return (await decodeFrames(readDicom(bytes))).map((img) => Array.from(img.data));
}

const expected = frames.map((f) => Array.from(f));

describe('encapsulated frame grouping (RLE, our encoder)', () => {
  it('uses the Basic Offset Table when frames span several fragments', async () => {
    const split = rle.map((r) => [r.subarray(0, 70), r.subarray(70)]);
    expect(await decodeAll(writeEncapsulated(dataset, RLE, split, { offsetTable: true }))).toEqual(expected);
  });

  it('maps one fragment per frame without an offset table', async () => {
    expect(
      await decodeAll(
        writeEncapsulated(
          dataset,
          RLE,
          rle.map((r) => [r]),
          { offsetTable: false },
        ),
      ),
    ).toEqual(expected);
  });

  it('ignores an inconsistent offset table when fragments map one per frame', async () => {
    const bytes = writeEncapsulated(
      dataset,
      RLE,
      rle.map((r) => [r]),
      { offsetTable: true },
    );
    const ds = readDicom(bytes);
    const pd = ds.pixelData;
    if (!pd?.encapsulated) throw new Error('expected encapsulated');
    (pd.offsetTable as number[])[1] = 3; // points into the middle of fragment 0
    expect((await decodeFrames(ds)).map((i) => Array.from(i.data))).toEqual(expected);
  });

  it('joins all fragments of a single-frame object', async () => {
    const one = createImageDataset({ rows: H, columns: W, samplesPerPixel: 3 });
    const pieces = [[rle[1].subarray(0, 64), rle[1].subarray(64, 90), rle[1].subarray(90)]];
    expect(
      Array.from(
        (await decodeFrame(readDicom(writeEncapsulated(one, RLE, pieces, { offsetTable: false })))).data,
      ),
    ).toEqual(expected[1]);
  });

  it('cannot group split RLE frames without an offset table: DICOM.DECODE_FAILED', async () => {
    const split = rle.map((r) => [r.subarray(0, 70), r.subarray(70)]);
    await expect(
      decodeFrame(readDicom(writeEncapsulated(dataset, RLE, split, { offsetTable: false })), 0),
    ).rejects.toMatchObject({
      code: 'DICOM.DECODE_FAILED',
      message: expect.stringContaining('cannot be mapped'),
    });
  });

  it('reports fewer fragments than frames as DICOM.DECODE_FAILED, not a crash', async () => {
    const bytes = writeEncapsulated(
      { ...dataset, NumberOfFrames: 5 },
      RLE,
      rle.map((r) => [r]),
      { offsetTable: false },
    );
    await expect(decodeFrame(readDicom(bytes), 4)).rejects.toMatchObject({ code: 'DICOM.DECODE_FAILED' });
  });

  it('decodes 16-bit RLE multi-frame gray', async () => {
    const g = [0, 1].map((f) => Uint16Array.from({ length: W * H }, (_, i) => (i * 1000 + f * 7) % 65536));
    const ds16 = createImageDataset({
      rows: H,
      columns: W,
      bitsAllocated: 16,
      frames: 2,
      extra: { WindowCenter: 32768, WindowWidth: 65536 },
    });
    const enc = g.map((x) => [
      encodeRleFrame(x, { rows: H, columns: W, samplesPerPixel: 1, bitsAllocated: 16 }),
    ]);
    const out = await decodeAll(writeEncapsulated(ds16, RLE, enc));
    // LINEAR window c=32768 w=65536 is (x + 0.5) / 65535 * 255 within the window: monotone in x
    out.forEach((img, f) =>
      expect(img).toEqual(Array.from(g[f], (x) => Math.round(((x - 32767.5) / 65535 + 0.5) * 255))),
    );
  });
});
