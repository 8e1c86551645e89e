import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { writeDicom } from '../dicom.writer.js';
import { createImageDataset } from '../testing/image-dataset.builder.js';
import { TransferSyntax } from '../uid.constants.js';
import { readDicom } from './dicom.reader.js';
import { concatBytes, encodeElement, findMetaStart, scanMeta } from './part10.scanner.js';

const pixels = Uint8Array.from([1, 2, 3, 4, 5, 6]);
const sequence = [
  { ReferencedSOPClassUID: '1.2.840.10008.5.1.4.1.1.7', ReferencedSOPInstanceUID: '1.2.3.4.5' },
  { ReferencedSOPClassUID: '1.2.840.10008.5.1.4.1.1.7', ReferencedSOPInstanceUID: '1.2.3.4.6' },
];
const base = createImageDataset({
  rows: 2,
  columns: 3,
  pixelData: pixels,
  extra: { ReferencedImageSequence: sequence, WindowCenter: [40, 400], ImageComments: 'fixture' },
});

/** Dataset bytes of a Part-10 stream, without preamble and meta. */
function bare(part10: Uint8Array): Uint8Array {
  return part10.subarray(scanMeta(part10, findMetaStart(part10) ?? 132).datasetOffset);
}

describe('readDicom', () => {
  it.each([
    TransferSyntax.ImplicitVRLittleEndian,
    TransferSyntax.ExplicitVRLittleEndian,
    TransferSyntax.ExplicitVRBigEndian,
    TransferSyntax.DeflatedExplicitVRLittleEndian,
  ])('reads %s Part-10 with sequences, multi-valued numbers and pixel data views', (ts) => {
    const bytes = writeDicom(base, { transferSyntaxUid: ts });
    const ds = readDicom(bytes);
    expect(ds.transferSyntaxUid).toBe(ts);
    expect(ds.meta.TransferSyntaxUID).toBe(ts);
    expect(ds.meta.MediaStorageSOPInstanceUID).toBe(base.SOPInstanceUID);
    expect(ds.encoding).toMatchObject({
      part10: true,
      deflated: ts.endsWith('.99'),
      littleEndian: ts !== TransferSyntax.ExplicitVRBigEndian,
    });
    expect([ds.number('Rows'), ds.number('Columns'), ds.string('ImageComments')]).toEqual([2, 3, 'fixture']);
    expect(ds.numbers('WindowCenter')).toEqual([40, 400]);
    expect(ds.elements.ReferencedImageSequence).toMatchObject(sequence);
    expect(ds.elements.PixelData).toBeUndefined();
    expect(ds.pixelData).toMatchObject({ encapsulated: false });
    expect(Array.from(ds.pixelData?.encapsulated === false ? ds.pixelData.bytes : [])).toEqual(
      Array.from(pixels),
    );
  });

  it.each([
    ['explicit VR LE', TransferSyntax.ExplicitVRLittleEndian],
    ['implicit VR LE', TransferSyntax.ImplicitVRLittleEndian],
  ])('reads a bare %s dataset (no preamble, no meta)', (_n, ts) => {
    const ds = readDicom(bare(writeDicom(base, { transferSyntaxUid: ts })));
    expect(ds.transferSyntaxUid).toBe(ts);
    expect(ds.encoding.part10).toBe(false);
    expect(ds.string('SOPInstanceUID')).toBe(base.SOPInstanceUID);
    expect(ds.elements.ReferencedImageSequence).toMatchObject(sequence);
  });

  it("reads 'DICM' without a preamble, and a meta group without preamble", () => {
    const full = writeDicom(base);
    expect(readDicom(full.subarray(128)).number('Rows')).toBe(2);
    expect(readDicom(full.subarray(132)).number('Rows')).toBe(2);
  });

  it('keeps elements after Pixel Data and ignores trailing zero padding', () => {
    const trailing = encodeElement(0xfffc, 0xfffc, 'OB', new Uint8Array(4));
    const ds = readDicom(concatBytes([writeDicom(base), trailing, new Uint8Array(100)]));
    expect(ds.elements.DataSetTrailingPadding).toBeDefined();
    expect(ds.pixelData).not.toBeNull();
  });

  it('finds the top-level Pixel Data, not the icon image nested in a sequence', () => {
    const icon = {
      Rows: 1,
      Columns: 2,
      BitsAllocated: 8,
      SamplesPerPixel: 1,
      PixelData: new Uint8Array([7, 7]).buffer,
    };
    const ds = readDicom(writeDicom({ ...base, IconImageSequence: [icon] }));
    expect(Array.from(ds.pixelData?.encapsulated === false ? ds.pixelData.bytes : [])).toEqual(
      Array.from(pixels),
    );
  });

  it.each([[['ISO 2022 IR 6', 'ISO 2022 IR 87']], ['ISO_IR 999'], ['ISO_IR 192']])(
    'reads a dataset whose SpecificCharacterSet is %j (dcmjs refuses some)',
    (charset) => {
      const ds = readDicom(writeDicom({ ...base, SpecificCharacterSet: charset }));
      expect([ds.number('Rows'), ds.string('ImageComments')]).toEqual([2, 'fixture']);
    },
  );

  it('never shows PHI when logged', () => {
    const ds = readDicom(writeDicom(base));
    expect(JSON.stringify(ds)).not.toMatch(/Fixture|FIXTURE/);
    expect(inspect(ds)).not.toMatch(/Fixture|FIXTURE/);
  });

  it('refuses absurd Rows x Columns x Frames before allocating', () => {
    const huge = createImageDataset({
      rows: 65535,
      columns: 65535,
      frames: 500,
      pixelData: new Uint8Array(2),
    });
    expect(() => readDicom(writeDicom(huge))).toThrowError(
      expect.objectContaining({ code: 'DICOM.IMAGE_TOO_LARGE' }),
    );
    const small = writeDicom(base);
    expect(() => readDicom(small, { maxDecodedBytes: 5 })).toThrowError(
      expect.objectContaining({ code: 'DICOM.IMAGE_TOO_LARGE' }),
    );
  });

  it('refuses a deflated dataset that inflates past the cap (zip bomb)', () => {
    const bomb = writeDicom(
      { ...base, ImageComments: 'x'.repeat(4_000_000) },
      { transferSyntaxUid: TransferSyntax.DeflatedExplicitVRLittleEndian },
    );
    expect(bomb.length).toBeLessThan(100_000);
    expect(() => readDicom(bomb, { maxDecodedBytes: 1_000_000 })).toThrowError(
      expect.objectContaining({ code: 'DICOM.IMAGE_TOO_LARGE' }),
    );
  });

  it.each([
    ['empty input', new Uint8Array(0)],
    ['a text file', new TextEncoder().encode('hello, this is not a DICOM file at all, promise')],
    ['zeros', new Uint8Array(1000)],
  ])('reports %s as DICOM.NOT_DICOM', (_n, bytes) => {
    expect(() => readDicom(bytes)).toThrowError(expect.objectContaining({ code: 'DICOM.NOT_DICOM' }));
  });
  describe('header-only read ({ only })', () => {
    const only = ['SOPInstanceUID', 'Rows', 'Columns', 'ImageComments', 'PatientName'];

    it.each([
      TransferSyntax.ImplicitVRLittleEndian,
      TransferSyntax.ExplicitVRLittleEndian,
      TransferSyntax.ExplicitVRBigEndian,
      TransferSyntax.DeflatedExplicitVRLittleEndian,
    ])('%s: the kept attributes read as in a full read, nothing else is decoded', (ts) => {
      const bytes = writeDicom(base, { transferSyntaxUid: ts });
      const full = readDicom(bytes);
      const head = readDicom(bytes, { only });
      for (const k of only) expect(head.elements[k]).toEqual(full.elements[k]);
      expect(head.elements.ReferencedImageSequence).toBeUndefined();
      expect(head.elements.WindowCenter).toBeUndefined();
      expect(head.transferSyntaxUid).toBe(ts);
      expect(head.meta.MediaStorageSOPInstanceUID).toBe(base.SOPInstanceUID);
      expect(head.pixelData).toEqual(full.pixelData);
    });

    it('still scans the whole object: truncated or corrupt input fails with the same code', () => {
      const bytes = writeDicom(base);
      const outcome = (b: Uint8Array, o?: { only: string[] }) => {
        try {
          readDicom(b, o);
          return 'ok';
        } catch (e) {
          return (e as { code?: string }).code;
        }
      };
      let failures = 0;
      for (let cut = 140; cut < bytes.length; cut += 7) {
        const truncated = bytes.subarray(0, cut);
        const code = outcome(truncated);
        if (code !== 'ok') failures++;
        expect(outcome(truncated, { only })).toBe(code);
      }
      expect(failures).toBeGreaterThan(10);
      expect(() => readDicom(new Uint8Array(1000), { only })).toThrowError(
        expect.objectContaining({ code: 'DICOM.NOT_DICOM' }),
      );
      const huge = writeDicom(
        createImageDataset({ rows: 65535, columns: 65535, frames: 500, pixelData: new Uint8Array(2) }),
      );
      expect(() => readDicom(huge, { only })).toThrowError(
        expect.objectContaining({ code: 'DICOM.IMAGE_TOO_LARGE' }),
      );
    });

    it('refuses an unknown keyword', () => {
      expect(() => readDicom(writeDicom(base), { only: ['NoSuchKeyword'] })).toThrowError(
        expect.objectContaining({ code: 'DICOM.MALFORMED' }),
      );
    });
  });
});
