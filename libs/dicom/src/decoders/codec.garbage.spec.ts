import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { decodeFrame } from '../pixel/frame.decode.js';
import { readDicom } from '../reader/dicom.reader.js';
import { writeEncapsulated } from '../testing/encapsulated.builder.js';
import { createImageDataset } from '../testing/image-dataset.builder.js';
import { TransferSyntax } from '../uid.constants.js';

const noise = (n: number, seed: number) =>
  Uint8Array.from({ length: n }, (_, i) => (i * 131 + seed * 17 + ((i * i) >> 3)) & 0xff);
const withPrefix = (prefix: number[], n: number, seed: number) =>
  Uint8Array.from([...prefix, ...noise(n, seed)]);

const FRAMES: [string, Uint8Array][] = [
  ['pure noise', noise(600, 1)],
  ['SOI then noise', withPrefix([0xff, 0xd8], 600, 2)],
  ['SOI, cut SOF0', withPrefix([0xff, 0xd8, 0xff, 0xc0, 0x00, 0x11, 0x08], 0, 3)],
  [
    'SOI, SOF3 then noise',
    withPrefix(
      [0xff, 0xd8, 0xff, 0xc3, 0x00, 0x0b, 0x0c, 0x00, 0x10, 0x00, 0x10, 0x01, 0x01, 0x11, 0x00],
      400,
      4,
    ),
  ],
  [
    'SOI, JPEG-LS SOF55 then noise',
    withPrefix(
      [0xff, 0xd8, 0xff, 0xf7, 0x00, 0x0b, 0x08, 0x00, 0x10, 0x00, 0x10, 0x01, 0x01, 0x11, 0x00],
      400,
      5,
    ),
  ],
  ['J2K SOC/SIZ then noise', withPrefix([0xff, 0x4f, 0xff, 0x51, 0x00, 0x29], 600, 6)],
  ['empty fragment', new Uint8Array(0)],
];
const SYNTAXES = [
  TransferSyntax.JpegBaseline,
  TransferSyntax.JpegExtended,
  TransferSyntax.JpegLosslessP14,
  TransferSyntax.JpegLosslessSV1,
  TransferSyntax.JpegLsLossless,
  TransferSyntax.JpegLsNearLossless,
  TransferSyntax.Jpeg2000Lossless,
  TransferSyntax.Jpeg2000,
  TransferSyntax.RleLossless,
];

describe('codecs given garbage', () => {
  const printed: unknown[] = [];
  beforeEach(() => {
    for (const m of ['log', 'info', 'warn', 'error'] as const)
      vi.spyOn(console, m).mockImplementation((...a) => void printed.push(a));
  });
  afterEach(() => vi.restoreAllMocks());

  it.each(SYNTAXES)(
    '%s: every broken frame is a DICOM.* RopError and nothing is printed',
    async (ts) => {
      const ds = createImageDataset({ rows: 16, columns: 16 });
      for (const [, frame] of FRAMES) {
        const bytes = writeEncapsulated(ds, ts, [[frame]], { offsetTable: false });
        const error = await decodeFrame(readDicom(bytes)).then(
          () => null,
          (e: { code?: string }) => e,
        );
        expect(error?.code).toMatch(/^DICOM\.(DECODE_FAILED|INVALID_ATTRIBUTE|UNSUPPORTED_PHOTOMETRIC)$/);
      }
      expect(printed).toEqual([]);
    },
    30_000,
  );
});
