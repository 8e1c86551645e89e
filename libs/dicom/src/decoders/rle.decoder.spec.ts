import { describe, expect, it } from 'vitest';
import { encodeRleFrame, packBits } from '../testing/rle.encoder.js';
import type { FrameInfo } from './decoder.types.js';
import { decodeRle } from './rle.decoder.js';

function info(over: Partial<FrameInfo>): FrameInfo {
  return {
    transferSyntaxUid: '1.2.840.10008.1.2.5',
    rows: 1,
    columns: 1,
    samplesPerPixel: 1,
    bitsAllocated: 8,
    bitsStored: 8,
    highBit: 7,
    pixelRepresentation: 0,
    planarConfiguration: 0,
    photometric: 'MONOCHROME2',
    littleEndian: true,
    ...over,
  };
}

/** A frame from hand-made segments: 64-byte header with offsets, then the segments. */
function frame(segments: number[][]): Uint8Array {
  const out = new Uint8Array(64 + segments.reduce((n, s) => n + s.length, 0));
  const view = new DataView(out.buffer);
  view.setUint32(0, segments.length, true);
  let offset = 64;
  segments.forEach((s, i) => {
    view.setUint32(4 + 4 * i, offset, true);
    out.set(s, offset);
    offset += s.length;
  });
  return out;
}

describe('decodeRle (PS3.5 Annex G)', () => {
  it('unpacks the classic PackBits example', () => {
    // Apple TN1023: FE AA 02 80 00 2A FD AA 03 80 00 2A 22 F7 AA
    const packed = [0xfe, 0xaa, 0x02, 0x80, 0x00, 0x2a, 0xfd, 0xaa, 0x03, 0x80, 0x00, 0x2a, 0x22, 0xf7, 0xaa];
    const expected = [0xaa, 0xaa, 0xaa, 0x80, 0x00, 0x2a, 0xaa, 0xaa, 0xaa, 0xaa, 0x80, 0x00, 0x2a, 0x22];
    const full = [...expected, ...Array(10).fill(0xaa)];
    const out = decodeRle(frame([packed]), info({ columns: 24 }));
    expect(Array.from(out.samples)).toEqual(full);
  });

  it('orders 16-bit segments high byte first', () => {
    // values 0x1234, 0xABCD: segment 1 = high bytes 12 AB, segment 2 = low bytes 34 CD (literals)
    const out = decodeRle(
      frame([
        [1, 0x12, 0xab],
        [1, 0x34, 0xcd],
      ]),
      info({ columns: 2, bitsAllocated: 16, bitsStored: 16 }),
    );
    expect(out.samples).toBeInstanceOf(Uint16Array);
    expect(Array.from(out.samples)).toEqual([0x1234, 0xabcd]);
  });

  it('interleaves RGB from R, G, B segments', () => {
    const out = decodeRle(
      frame([
        [0xff, 10],
        [1, 20, 21],
        [0xff, 30],
      ]),
      info({ columns: 2, samplesPerPixel: 3, photometric: 'RGB' }),
    );
    expect(Array.from(out.samples)).toEqual([10, 20, 30, 10, 21, 30]);
    expect(out.planar).toBe(false);
  });

  it('orders 16-bit RGB as R-high, R-low, G-high, G-low, B-high, B-low', () => {
    const segs = [
      [0, 0x01],
      [0, 0x02],
      [0, 0x03],
      [0, 0x04],
      [0, 0x05],
      [0, 0x06],
    ];
    const out = decodeRle(
      frame(segs),
      info({ samplesPerPixel: 3, bitsAllocated: 16, bitsStored: 16, photometric: 'RGB' }),
    );
    expect(Array.from(out.samples)).toEqual([0x0102, 0x0304, 0x0506]);
  });

  it.each([
    [8, 1, new Uint8Array([0, 0, 0, 7, 7, 255, 1, 2, 3, 3, 3, 3])],
    [16, 1, new Uint16Array([0, 65535, 65535, 256, 1, 4095, 4095, 4095, 0x8000, 12, 13, 14])],
    [8, 3, new Uint8Array(Array.from({ length: 36 }, (_, i) => (i * 37) % 256))],
    [16, 3, new Uint16Array(Array.from({ length: 36 }, (_, i) => (i * 4099) % 65536))],
  ] as const)('round-trips the test encoder: %i-bit, %i sample(s)', (bits, spp, samples) => {
    const columns = samples.length / spp / 3;
    const encoded = encodeRleFrame(samples, { rows: 3, columns, samplesPerPixel: spp, bitsAllocated: bits });
    const out = decodeRle(
      encoded,
      info({ rows: 3, columns, samplesPerPixel: spp, bitsAllocated: bits, bitsStored: bits }),
    );
    expect(Array.from(out.samples)).toEqual(Array.from(samples));
  });

  it('packBits emits runs and literals within 128', () => {
    expect(packBits(new Uint8Array([5, 5, 5, 1, 2]))).toEqual([254, 5, 1, 1, 2]);
    const long = packBits(new Uint8Array(300).fill(9));
    expect(long).toEqual([129, 9, 129, 9, 213, 9]); // 128 + 128 + 44
  });

  it.each([
    ['a frame shorter than the header', new Uint8Array(10), {}],
    ['a wrong segment count', frame([[0, 1]]), { samplesPerPixel: 3 }],
    ['a short segment', frame([[0, 1]]), { columns: 4 }],
    [
      'an offset outside the frame',
      (() => {
        const f = frame([[0, 1]]);
        new DataView(f.buffer).setUint32(4, 9999, true);
        return f;
      })(),
      {},
    ],
  ] as const)('rejects %s with DICOM.DECODE_FAILED', (_n, bytes, over) => {
    expect(() => decodeRle(bytes, info(over))).toThrowError(
      expect.objectContaining({ code: 'DICOM.DECODE_FAILED' }),
    );
  });
});
