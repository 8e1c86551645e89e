import { RopError } from '@ropline/core';
import { describe, expect, it } from 'vitest';
import { DicomErrorCode } from './dicom.errors.js';
import { writeDicom } from './dicom.writer.js';
import { decodeFrame } from './pixel/frame.decode.js';
import { readDicom } from './reader/dicom.reader.js';
import { LONG_VRS } from './reader/element.scanner.js';
import { writeEncapsulated } from './testing/encapsulated.builder.js';
import { createImageDataset } from './testing/image-dataset.builder.js';
import { encodeRleFrame } from './testing/rle.encoder.js';
import { TransferSyntax } from './uid.constants.js';

/**
 * Hostile input: whatever the bytes, readDicom + decodeFrame end in an image or a RopError with a
 * DICOM.* code, never another exception and never a hang (the slowest case is bounded too).
 */
const CODES = new Set<string>(Object.values(DicomErrorCode));
const CASE_BUDGET_MS = 500;

async function outcome(bytes: Uint8Array): Promise<{ code: string; ms: number }> {
  const t0 = performance.now();
  try {
    await decodeFrame(readDicom(bytes));
    return { code: 'ok', ms: performance.now() - t0 };
  } catch (e) {
    const code = e instanceof RopError && CODES.has(e.code) ? e.code : `FOREIGN ${String(e)}`;
    return { code, ms: performance.now() - t0 };
  }
}

const gray = createImageDataset({
  rows: 16,
  columns: 16,
  pixelData: Uint8Array.from({ length: 256 }, (_, i) => i),
  extra: {
    ReferencedImageSequence: [
      { ReferencedSOPClassUID: '1.2.840.10008.5.1.4.1.1.7', ReferencedSOPInstanceUID: '1.2.3' },
    ],
    WindowCenter: 128,
    WindowWidth: 256,
  },
});
const gray16 = createImageDataset({
  rows: 8,
  columns: 8,
  bitsAllocated: 16,
  bitsStored: 12,
  pixelData: new Uint16Array(64).fill(300),
});
const rgbFrame = Uint8Array.from({ length: 8 * 5 * 3 }, (_, i) => (i * 7) % 256);
const rle = writeEncapsulated(
  createImageDataset({ rows: 5, columns: 8, samplesPerPixel: 3 }),
  TransferSyntax.RleLossless,
  [[encodeRleFrame(rgbFrame, { rows: 5, columns: 8, samplesPerPixel: 3, bitsAllocated: 8 })]],
);

const FILES: [string, Uint8Array][] = [
  ['explicit VR LE', writeDicom(gray)],
  ['implicit VR LE 16-bit', writeDicom(gray16, { transferSyntaxUid: TransferSyntax.ImplicitVRLittleEndian })],
  ['explicit VR BE 16-bit', writeDicom(gray16, { transferSyntaxUid: TransferSyntax.ExplicitVRBigEndian })],
  ['deflated', writeDicom(gray, { transferSyntaxUid: TransferSyntax.DeflatedExplicitVRLittleEndian })],
  ['RLE encapsulated', rle],
];

/** Deterministic PRNG (mulberry32) so failures reproduce. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Offsets of the length fields of top-level explicit VR LE elements (meta and dataset). */
function lengthFields(bytes: Uint8Array): { at: number; long: boolean }[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fields: { at: number; long: boolean }[] = [];
  let pos = 132;
  while (pos + 8 <= bytes.length) {
    const vr = String.fromCharCode(bytes[pos + 4], bytes[pos + 5]);
    const long = LONG_VRS.has(vr);
    const length = long ? view.getUint32(pos + 8, true) : view.getUint16(pos + 6, true);
    fields.push({ at: long ? pos + 8 : pos + 6, long });
    if (length === 0xffffffff) break; // encapsulated pixel data: last element
    pos += (long ? 12 : 8) + length;
  }
  return fields;
}

function expectAllTyped(results: { code: string; ms: number }[]): void {
  expect(results.filter((r) => r.code.startsWith('FOREIGN'))).toEqual([]);
  expect(Math.max(...results.map((r) => r.ms))).toBeLessThan(CASE_BUDGET_MS);
}

describe('malformed input never escapes as anything but a RopError', () => {
  it.each(FILES)(
    '%s truncated at every offset',
    async (_name, bytes) => {
      expect((await outcome(bytes)).code).toBe('ok');
      const results = [];
      for (let cut = 0; cut < bytes.length; cut++) results.push(await outcome(bytes.subarray(0, cut)));
      expectAllTyped(results);
      const allowed = ['DICOM.NOT_DICOM', 'DICOM.TRUNCATED', 'DICOM.NO_PIXEL_DATA'];
      expect(results.filter((r) => !allowed.includes(r.code))).toEqual([]);
      // Everything past the preamble and inside the pixel data is reported as truncation.
      expect(results.slice(bytes.length - 64).every((r) => r.code === 'DICOM.TRUNCATED')).toBe(true);
    },
    30_000,
  );

  it.each(
    FILES.filter(([n]) => n !== 'deflated' && n !== 'implicit VR LE 16-bit' && n !== 'explicit VR BE 16-bit'),
  )(
    '%s with each top-level length set to huge values is DICOM.INVALID_LENGTH',
    async (_name, bytes) => {
      const results = [];
      for (const { at, long } of lengthFields(bytes)) {
        for (const value of long ? [0xfffffff0, 0x7fffffff] : [0xffff]) {
          const bad = bytes.slice();
          const view = new DataView(bad.buffer);
          if (long) view.setUint32(at, value, true);
          else view.setUint16(at, value, true);
          results.push({ at, ...(await outcome(bad)) });
        }
      }
      expectAllTyped(results);
      expect(results.filter((r) => r.code !== 'DICOM.INVALID_LENGTH')).toEqual([]);
    },
    30_000,
  );

  it.each(FILES)(
    '%s with lengths nudged (+2, -2, 0) and 400 random byte flips',
    async (_name, bytes) => {
      const results = [];
      for (const { at, long } of lengthFields(bytes)) {
        for (const delta of [2, -2, null]) {
          const bad = bytes.slice();
          const view = new DataView(bad.buffer);
          const old = long ? view.getUint32(at, true) : view.getUint16(at, true);
          const value = delta === null ? 0 : Math.max(0, old + delta);
          if (long) view.setUint32(at, value, true);
          else view.setUint16(at, value, true);
          results.push(await outcome(bad));
        }
      }
      const random = prng(bytes.length);
      for (let i = 0; i < 400; i++) {
        const bad = bytes.slice();
        const flips = 1 + Math.floor(random() * 4);
        for (let f = 0; f < flips; f++)
          bad[132 + Math.floor(random() * (bad.length - 132))] = Math.floor(random() * 256);
        results.push(await outcome(bad));
      }
      expectAllTyped(results);
    },
    30_000,
  );

  it('random garbage is DICOM.NOT_DICOM; garbage after a DICM header is a typed error', async () => {
    const random = prng(42);
    const bare = [];
    const framed = [];
    for (let i = 0; i < 300; i++) {
      const bytes = Uint8Array.from({ length: Math.floor(random() * 3000) }, () =>
        Math.floor(random() * 256),
      );
      bare.push(await outcome(bytes));
      const withHeader = bytes.slice();
      if (withHeader.length >= 132) withHeader.set([0x44, 0x49, 0x43, 0x4d], 128);
      framed.push(await outcome(withHeader));
    }
    expectAllTyped([...bare, ...framed]);
    expect(bare.filter((r) => r.code !== 'DICOM.NOT_DICOM')).toEqual([]);
  }, 30_000);

  it.each([0, 1, 8, 131, 132, 10_000])('%i zero bytes are DICOM.NOT_DICOM', async (n) => {
    expect((await outcome(new Uint8Array(n))).code).toBe('DICOM.NOT_DICOM');
  });

  it('a valid header with absurd Rows x Columns x Frames is DICOM.IMAGE_TOO_LARGE', async () => {
    const huge = createImageDataset({
      rows: 65535,
      columns: 65535,
      frames: 2 ** 31 - 1,
      bitsAllocated: 16,
      pixelData: new Uint16Array(4),
    });
    expect((await outcome(writeDicom(huge))).code).toBe('DICOM.IMAGE_TOO_LARGE');
    const ds = readDicom(writeDicom(gray));
    await expect(decodeFrame(ds, 0, { maxDecodedBytes: 100 })).rejects.toMatchObject({
      code: 'DICOM.IMAGE_TOO_LARGE',
    });
  });

  it('a non-Uint8Array argument is a typed error', async () => {
    expect(() => readDicom('not bytes' as unknown as Uint8Array)).toThrowError(
      expect.objectContaining({ code: 'DICOM.NOT_DICOM' }),
    );
  });
});
