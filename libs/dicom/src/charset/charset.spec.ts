import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeDicom } from '../dicom.writer.js';
import { readDicom } from '../reader/dicom.reader.js';
import { buildOverlaySc } from '../results/sc.builder.js';
import { overlayInput } from '../results/results.fixtures.js';
import { createImageDataset } from '../testing/image-dataset.builder.js';
import { TransferSyntax } from '../uid.constants.js';
import { parseCharsetValue } from './charset.js';

const NAME = 'Müller^Zoë';
const NESTED = 'Dr. Łukasz Gwóźdź';

const hasDcmdump = spawnSync('dcmdump', ['--version']).status === 0;

/** dcmdump's output; raw text bytes are shown as they are, so read them in the file's encoding. */
function dcmdump(bytes: Uint8Array, encoding: BufferEncoding): string {
  const dir = mkdtempSync(join(tmpdir(), 'charset-'));
  try {
    const file = join(dir, 'x.dcm');
    writeFileSync(file, bytes);
    return execFileSync('dcmdump', [file]).toString(encoding);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function image(extra: Record<string, unknown>) {
  return createImageDataset({ rows: 1, columns: 2, pixelData: new Uint8Array([1, 2]), extra });
}

const includes = (bytes: Uint8Array, text: string, encoding: BufferEncoding) =>
  Buffer.from(bytes).includes(Buffer.from(text, encoding));

describe('Specific Character Set round trip', () => {
  it.each([
    TransferSyntax.ExplicitVRLittleEndian,
    TransferSyntax.ImplicitVRLittleEndian,
    TransferSyntax.ExplicitVRBigEndian,
    TransferSyntax.DeflatedExplicitVRLittleEndian,
  ])('writes ISO_IR 100 text as Latin-1 bytes and reads it back (%s)', (ts) => {
    const bytes = writeDicom(
      image({
        SpecificCharacterSet: 'ISO_IR 100',
        PatientName: NAME,
        ReferringPhysicianIdentificationSequence: [{ PersonAddress: 'Zürich', InstitutionName: 'Hôpital' }],
      }),
      { transferSyntaxUid: ts },
    );
    if (ts !== TransferSyntax.DeflatedExplicitVRLittleEndian) {
      expect(includes(bytes, NAME, 'latin1')).toBe(true);
      expect(Buffer.from(bytes).includes(Buffer.from([0xfc]))).toBe(true); // ü
      expect(Buffer.from(bytes).includes(Buffer.from([0xeb]))).toBe(true); // ë
      expect(includes(bytes, NAME, 'utf8')).toBe(false);
      expect(includes(bytes, 'Hôpital', 'latin1')).toBe(true);
    }
    const ds = readDicom(bytes);
    expect(ds.elements.SpecificCharacterSet).toBe('ISO_IR 100');
    expect(ds.elements.PatientName).toEqual([{ Alphabetic: NAME }]);
    const item = (ds.elements.ReferringPhysicianIdentificationSequence as Record<string, unknown>[])[0];
    expect([item.PersonAddress, item.InstitutionName]).toEqual(['Zürich', 'Hôpital']);
  });

  it('re-encodes text around encapsulated pixel data, fragments untouched', () => {
    const fragment = new Uint8Array([0xff, 0xd8, 0xc3, 0xbc, 0xff, 0xd9]); // contains UTF-8 'ü' bytes
    const bytes = writeDicom(
      { ...image({ SpecificCharacterSet: 'ISO_IR 100', PatientName: NAME }), PixelData: [fragment.buffer] },
      { transferSyntaxUid: TransferSyntax.JpegBaseline },
    );
    expect(includes(bytes, NAME, 'latin1')).toBe(true);
    const ds = readDicom(bytes);
    expect(ds.elements.PatientName).toEqual([{ Alphabetic: NAME }]);
    const pd = ds.pixelData;
    expect(pd?.encapsulated && Array.from(pd.fragments[0].bytes)).toEqual(Array.from(fragment));
  });

  it.skipIf(!hasDcmdump)('dcmdump shows the ISO_IR 100 name', () => {
    const bytes = writeDicom(image({ SpecificCharacterSet: 'ISO_IR 100', PatientName: NAME }));
    const dump = dcmdump(bytes, 'latin1');
    expect(dump).toMatch(/\(0008,0005\) CS \[ISO_IR 100\]/);
    expect(dump).toContain(`(0010,0010) PN [${NAME}]`);
  });

  it('keeps ISO_IR 192 and decodes non-ASCII UTF-8 text in nested items', () => {
    const bytes = writeDicom(
      image({
        SpecificCharacterSet: 'ISO_IR 192',
        PatientName: NAME,
        ReferringPhysicianIdentificationSequence: [
          {
            InstitutionName: 'Klinikum Köln',
            PersonIdentificationCodeSequence: [
              { CodeValue: 'X1', CodingSchemeDesignator: '99RL', CodeMeaning: NESTED },
            ],
          },
        ],
      }),
    );
    expect(includes(bytes, NAME, 'utf8')).toBe(true);
    expect(includes(bytes, NESTED, 'utf8')).toBe(true);
    const ds = readDicom(bytes);
    expect(ds.elements.SpecificCharacterSet).toBe('ISO_IR 192');
    expect(ds.elements.PatientName).toEqual([{ Alphabetic: NAME }]);
    const item = (ds.elements.ReferringPhysicianIdentificationSequence as Record<string, unknown>[])[0];
    expect(item.InstitutionName).toBe('Klinikum Köln');
    const code = (item.PersonIdentificationCodeSequence as Record<string, unknown>[])[0];
    expect(code.CodeMeaning).toBe(NESTED);
    if (hasDcmdump) expect(dcmdump(bytes, 'utf8')).toContain(`[${NESTED}]`);
  });

  it('falls back to ISO_IR 192 (labelled) when a value does not fit the single-byte set', () => {
    const bytes = writeDicom(image({ SpecificCharacterSet: 'ISO_IR 100', PatientName: 'Gwóźdź^Łukasz' }));
    expect(includes(bytes, 'ISO_IR 192', 'latin1')).toBe(true);
    expect(includes(bytes, 'ISO_IR 100', 'latin1')).toBe(false);
    const ds = readDicom(bytes);
    expect(ds.elements.SpecificCharacterSet).toBe('ISO_IR 192');
    expect(ds.elements.PatientName).toEqual([{ Alphabetic: 'Gwóźdź^Łukasz' }]);
  });

  it('labels non-ASCII text written without a Specific Character Set as ISO_IR 192', () => {
    const ds = readDicom(writeDicom(image({ PatientName: NAME })));
    expect(ds.elements.SpecificCharacterSet).toBe('ISO_IR 192');
    expect(ds.elements.PatientName).toEqual([{ Alphabetic: NAME }]);
  });

  it('reads a file without (0008,0005) with no SpecificCharacterSet', () => {
    const ds = readDicom(writeDicom(image({ PatientName: 'Plain^Ascii' })));
    expect('SpecificCharacterSet' in ds.elements).toBe(false);
    expect(ds.elements.PatientName).toEqual([{ Alphabetic: 'Plain^Ascii' }]);
  });

  it('keeps a multi-valued term as written (ASCII text is not relabelled)', () => {
    const ds = readDicom(
      writeDicom(image({ SpecificCharacterSet: ['', 'ISO 2022 IR 87'], PatientName: 'Yamada^Tarou' })),
    );
    expect(ds.elements.SpecificCharacterSet).toEqual(['', 'ISO 2022 IR 87']);
  });

  it('parses raw (0008,0005) values', () => {
    const ascii = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));
    expect(parseCharsetValue(ascii('ISO_IR 100'))).toBe('ISO_IR 100');
    expect(parseCharsetValue(ascii('ISO_IR 192 '))).toBe('ISO_IR 192');
    expect(parseCharsetValue(ascii('\\ISO 2022 IR 87'))).toEqual(['', 'ISO 2022 IR 87']);
    expect(parseCharsetValue(ascii(''))).toBeUndefined();
  });

  it('a derived SC built from a readDicom ISO_IR 100 header keeps the set and the Latin-1 name', () => {
    const source = writeDicom(
      image({
        SpecificCharacterSet: 'ISO_IR 100',
        SOPClassUID: '1.2.840.10008.5.1.4.1.1.77.1.5.1',
        PatientName: NAME,
        PatientID: 'PHANTOM-0001',
        StudyInstanceUID: '2.25.222222222222222222222222222222222222',
        Modality: 'OP',
        NumberOfFrames: 1,
      }),
    );
    const header = readDicom(source).elements;
    expect(header.SpecificCharacterSet).toBe('ISO_IR 100');
    const built = buildOverlaySc(overlayInput({ source: header }));
    expect(includes(built.bytes, 'ISO_IR 100', 'latin1')).toBe(true);
    expect(includes(built.bytes, NAME, 'latin1')).toBe(true);
    expect(includes(built.bytes, NAME, 'utf8')).toBe(false);
    const e = readDicom(built.bytes).elements;
    expect(e.SpecificCharacterSet).toBe('ISO_IR 100');
    expect(e.PatientName).toEqual([{ Alphabetic: NAME }]);
  });
});
