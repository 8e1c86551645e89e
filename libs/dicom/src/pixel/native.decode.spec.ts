import { describe, expect, it } from 'vitest';
import { writeDicom } from '../dicom.writer.js';
import { readDicom } from '../reader/dicom.reader.js';
import { createImageDataset, type ImageDatasetSpec } from '../testing/image-dataset.builder.js';
import { TransferSyntax } from '../uid.constants.js';
import { decodeFrame, decodeFrames, decodeFrameSamples } from './frame.decode.js';

const NATIVE = [
  TransferSyntax.ImplicitVRLittleEndian,
  TransferSyntax.ExplicitVRLittleEndian,
  TransferSyntax.ExplicitVRBigEndian,
  TransferSyntax.DeflatedExplicitVRLittleEndian,
];

function file(spec: ImageDatasetSpec, ts: string = TransferSyntax.ExplicitVRLittleEndian): Uint8Array {
  return writeDicom(createImageDataset(spec), { transferSyntaxUid: ts });
}

async function pixels(spec: ImageDatasetSpec, ts?: string, index = 0): Promise<number[]> {
  return Array.from((await decodeFrame(readDicom(file(spec, ts)), index)).data);
}

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  return p.then(
    () => undefined,
    (e: { code?: string }) => e.code,
  );
}

const gray16 = (values: number[]) => new Uint16Array(values);

describe('decodeFrame on native pixel data (every photometric and layout)', () => {
  it.each(NATIVE)('MONOCHROME2 8-bit is exact in %s', async (ts) => {
    const data = Uint8Array.from([0, 1, 2, 127, 128, 200, 254, 255]);
    expect(await pixels({ rows: 2, columns: 4, pixelData: data }, ts)).toEqual(Array.from(data));
  });

  it.each(NATIVE)('16-bit BitsStored 12 with garbage high bits, min-max, in %s', async (ts) => {
    // stored 0, 1365, 2730, 4095 -> 0, 85, 170, 255
    const spec = {
      rows: 2,
      columns: 2,
      bitsAllocated: 16,
      bitsStored: 12,
      pixelData: gray16([0xf000, 0x2555, 0xcaaa, 0x0fff]),
    } as const;
    expect(await pixels(spec, ts)).toEqual([0, 85, 170, 255]);
  });

  it.each(NATIVE)('RGB planar 0 and planar 1 give the same image in %s', async (ts) => {
    const interleaved = Uint8Array.from([10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120]);
    const planar = Uint8Array.from([10, 40, 70, 100, 20, 50, 80, 110, 30, 60, 90, 120]);
    const base = { rows: 2, columns: 2, samplesPerPixel: 3 } as const;
    expect(await pixels({ ...base, planarConfiguration: 0, pixelData: interleaved }, ts)).toEqual(
      Array.from(interleaved),
    );
    expect(await pixels({ ...base, planarConfiguration: 1, pixelData: planar }, ts)).toEqual(
      Array.from(interleaved),
    );
  });

  it('MONOCHROME1 is inverted', async () => {
    expect(
      await pixels({
        rows: 1,
        columns: 3,
        photometric: 'MONOCHROME1',
        pixelData: Uint8Array.from([0, 55, 255]),
      }),
    ).toEqual([255, 200, 0]);
  });

  it('signed 16-bit is sign-extended from BitsStored 12 (high bits left zero)', async () => {
    // raw 0x800, 0xFFF, 0x000, 0x7FF = -2048, -1, 0, 2047 -> (x + 2048) * 255 / 4095
    const spec = {
      rows: 2,
      columns: 2,
      bitsAllocated: 16,
      bitsStored: 12,
      pixelRepresentation: 1,
      pixelData: gray16([0x800, 0xfff, 0, 0x7ff]),
    } as const;
    expect(await pixels(spec)).toEqual([0, 127, 128, 255]);
  });

  it('signed 16-bit full range', async () => {
    const spec = {
      rows: 2,
      columns: 2,
      bitsAllocated: 16,
      pixelRepresentation: 1,
      pixelData: new Int16Array([-1000, 0, 1000, 3000]),
    } as const;
    expect(await pixels(spec)).toEqual([0, 64, 128, 255]);
  });

  it('HighBit above BitsStored - 1 moves the stored bits down', async () => {
    // BitsStored 12, HighBit 15: value v is stored as v << 4
    const spec = {
      rows: 1,
      columns: 3,
      bitsAllocated: 16,
      bitsStored: 12,
      highBit: 15,
      pixelData: gray16([0, 2048 << 4, 4095 << 4]),
    } as const;
    const raw = await decodeFrameSamples(readDicom(file(spec)));
    expect(Array.from(raw.frame.samples)).toEqual([0, 2048, 4095]);
  });

  it('applies Rescale and the first Window pair (CT-like)', async () => {
    // modality -1024, -24, 976; window 40/400 (first of two pairs) -> 0, 87, 255
    const extra = {
      RescaleSlope: 1,
      RescaleIntercept: -1024,
      WindowCenter: [40, 300],
      WindowWidth: [400, 1500],
    };
    const spec = {
      rows: 1,
      columns: 3,
      bitsAllocated: 16,
      pixelData: gray16([0, 1000, 2000]),
      extra,
    } as const;
    expect(await pixels(spec)).toEqual([0, 87, 255]);
  });

  it('YBR_FULL is converted to RGB (PS3.3 equations)', async () => {
    const spec = {
      rows: 1,
      columns: 2,
      samplesPerPixel: 3,
      photometric: 'YBR_FULL',
      pixelData: Uint8Array.from([128, 128, 128, 76, 85, 255]),
    } as const;
    expect(await pixels(spec)).toEqual([128, 128, 128, 254, 0, 0]);
  });

  it("never converts the caller's bytes in place, and returns a plain Uint8Array for Buffer input", async () => {
    const bytes = Buffer.from(
      file({
        rows: 1,
        columns: 2,
        samplesPerPixel: 3,
        photometric: 'YBR_FULL',
        pixelData: Uint8Array.from([128, 128, 128, 76, 85, 255]),
      }),
    );
    const before = Buffer.from(bytes);
    const ds = readDicom(bytes);
    const first = await decodeFrame(ds);
    expect(Array.from((await decodeFrame(ds)).data)).toEqual(Array.from(first.data));
    expect(bytes.equals(before)).toBe(true);
    expect(first.data.constructor).toBe(Uint8Array);
  });

  it('native YBR_FULL_422 (Y1 Y2 Cb Cr per pair) is expanded and converted', async () => {
    // pair 1: Y 128,128 with neutral chroma; pair 2: Y 76,76 with red chroma
    const ybr = Uint8Array.from([128, 128, 128, 128, 76, 76, 85, 255]);
    const spec = {
      rows: 1,
      columns: 4,
      samplesPerPixel: 3,
      photometric: 'YBR_FULL_422',
      pixelData: ybr,
    } as const;
    expect(await pixels(spec)).toEqual([128, 128, 128, 128, 128, 128, 254, 0, 0, 254, 0, 0]);
  });

  it.each(NATIVE)(
    'PALETTE COLOR with 16-bit entries, first-mapped offset and clamping, in %s',
    async (ts) => {
      // descriptor [4 entries, first 10, 16 bits]; indexes 9 (below) 10 11 13 14 (above)
      const lut = (base: number) =>
        new Uint16Array([base, base + 0x1000, base + 0x2000, base + 0x3000]).buffer;
      const extra = {
        RedPaletteColorLookupTableDescriptor: [4, 10, 16],
        GreenPaletteColorLookupTableDescriptor: [4, 10, 16],
        BluePaletteColorLookupTableDescriptor: [4, 10, 16],
        RedPaletteColorLookupTableData: lut(0x0000),
        GreenPaletteColorLookupTableData: lut(0x4000),
        BluePaletteColorLookupTableData: lut(0x8000),
      };
      const spec = {
        rows: 1,
        columns: 5,
        photometric: 'PALETTE COLOR',
        pixelData: Uint8Array.from([9, 10, 11, 13, 14]),
        extra,
      } as const;
      // entry >> 8: red 0x00,0x10,0x20,0x30; green 0x40..; blue 0x80..
      expect(await pixels(spec, ts)).toEqual([
        0, 64, 128, 0, 64, 128, 16, 80, 144, 48, 112, 176, 48, 112, 176,
      ]);
    },
  );

  it('PALETTE COLOR: 8-bit entries, and descriptor 0 means 65536 entries', async () => {
    const ramp = Uint8Array.from({ length: 256 }, (_, i) => 255 - i).buffer;
    const eight = {
      RedPaletteColorLookupTableDescriptor: [256, 0, 8],
      GreenPaletteColorLookupTableDescriptor: [256, 0, 8],
      BluePaletteColorLookupTableDescriptor: [256, 0, 8],
      RedPaletteColorLookupTableData: ramp,
      GreenPaletteColorLookupTableData: ramp,
      BluePaletteColorLookupTableData: ramp,
    };
    expect(
      await pixels({
        rows: 1,
        columns: 2,
        photometric: 'PALETTE COLOR',
        pixelData: Uint8Array.from([0, 200]),
        extra: eight,
      }),
    ).toEqual([255, 255, 255, 55, 55, 55]);
    const big = new Uint16Array(65536).map((_, i) => 65535 - i).buffer;
    const full = {
      RedPaletteColorLookupTableDescriptor: [0, 0, 16],
      GreenPaletteColorLookupTableDescriptor: [0, 0, 16],
      BluePaletteColorLookupTableDescriptor: [0, 0, 16],
      RedPaletteColorLookupTableData: big,
      GreenPaletteColorLookupTableData: big,
      BluePaletteColorLookupTableData: big,
    };
    const spec = {
      rows: 1,
      columns: 2,
      bitsAllocated: 16,
      photometric: 'PALETTE COLOR',
      pixelData: gray16([0, 65535]),
      extra: full,
    } as const;
    expect(await pixels(spec)).toEqual([255, 255, 255, 0, 0, 0]);
  });

  it('1-bit frames are bit-packed across frame boundaries', async () => {
    // 3x3 = 9 bits per frame; frame 0 = checker from bit 0, frame 1 = all ones from bit 9
    const bits = [1, 0, 1, 0, 1, 0, 1, 0, 1, ...Array(9).fill(1)];
    const packed = new Uint8Array(4);
    bits.forEach((b, k) => (packed[k >> 3] |= b << (k & 7)));
    const ds = readDicom(file({ rows: 3, columns: 3, bitsAllocated: 1, frames: 2, pixelData: packed }));
    const frames = await decodeFrames(ds);
    expect(Array.from(frames[0].data)).toEqual(bits.slice(0, 9).map((b) => b * 255));
    expect(Array.from(frames[1].data)).toEqual(Array(9).fill(255));
  });

  it('multi-frame: each frame decodes to its own slice; bad indexes are FRAME_OUT_OF_RANGE', async () => {
    const data = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    const ds = readDicom(file({ rows: 2, columns: 2, frames: 3, pixelData: data }));
    const frames = await decodeFrames(ds);
    expect(frames.map((f) => Array.from(f.data))).toEqual([
      [1, 2, 3, 4],
      [5, 6, 7, 8],
      [9, 10, 11, 12],
    ]);
    for (const bad of [3, -1, 1.5])
      expect(await codeOf(decodeFrame(ds, bad))).toBe('DICOM.FRAME_OUT_OF_RANGE');
  });

  it('32-bit unsigned data renders by min-max', async () => {
    const spec = {
      rows: 1,
      columns: 3,
      bitsAllocated: 32,
      pixelData: new Uint32Array([0, 2 ** 31, 2 ** 32 - 1]),
    } as const;
    expect(await pixels(spec)).toEqual([0, 128, 255]);
  });

  it.each([
    ['missing Rows', { extra: { Rows: undefined } }, 'DICOM.MISSING_ATTRIBUTE'],
    ['BitsAllocated 12', { extra: { BitsAllocated: 12 } }, 'DICOM.INVALID_ATTRIBUTE'],
    ['BitsStored > BitsAllocated', { extra: { BitsStored: 9 } }, 'DICOM.INVALID_ATTRIBUTE'],
    [
      'CMYK',
      { samplesPerPixel: 3, photometric: 'CMYK', pixelData: new Uint8Array(12) },
      'DICOM.UNSUPPORTED_PHOTOMETRIC',
    ],
    ['too little pixel data', { pixelData: new Uint8Array(2) }, 'DICOM.TRUNCATED'],
    ['no pixel data', { pixelData: undefined }, 'DICOM.NO_PIXEL_DATA'],
    ['a palette without LUTs', { photometric: 'PALETTE COLOR' }, 'DICOM.MISSING_ATTRIBUTE'],
  ] as const)('rejects %s', async (_n, over, code) => {
    const spec = { rows: 2, columns: 2, pixelData: new Uint8Array(4), ...over } as ImageDatasetSpec;
    expect(await codeOf(decodeFrame(readDicom(file(spec))))).toBe(code);
  });
});
