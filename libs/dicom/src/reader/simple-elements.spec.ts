import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { writeDicom } from '../dicom.writer.js';
import { createImageDataset } from '../testing/image-dataset.builder.js';
import { TransferSyntax } from '../uid.constants.js';
import { readDicomVia, type ReadOptions } from './dicom.reader.js';
import { dcmjs } from './dcmjs.adapter.js';
import { buildPart10, concatBytes, encodeElement, findMetaStart, scanMeta } from './part10.scanner.js';

const TS = TransferSyntax;
const SYNTAXES = [
  TS.ExplicitVRLittleEndian,
  TS.ImplicitVRLittleEndian,
  TS.ExplicitVRBigEndian,
  TS.DeflatedExplicitVRLittleEndian,
];
const INGEST = [
  ...['SOPClassUID', 'SOPInstanceUID', 'StudyInstanceUID', 'SeriesInstanceUID', 'InstanceNumber'],
  ...['StationName', 'Modality', 'Manufacturer', 'ManufacturerModelName', 'ImageLaterality'],
  ...['Laterality', 'Rows', 'Columns', 'NumberOfFrames', 'SamplesPerPixel'],
  ...['PhotometricInterpretation', 'BitsAllocated', 'BitsStored', 'PixelRepresentation'],
  'PlanarConfiguration',
];

function attempt<T>(read: () => T): T | { error: unknown } {
  try {
    return read();
  } catch (e) {
    return { error: (e as { code?: unknown }).code ?? e };
  }
}

/** Reads both ways; the fast path must equal dcmjs. Returns the decoder the default read used. */
function parity(bytes: Uint8Array, opts: ReadOptions): string {
  const slow = attempt(() => readDicomVia(bytes, opts, true));
  const fast = attempt(() => readDicomVia(bytes, opts));
  if (!('dataset' in slow) || !('dataset' in fast)) {
    expect(fast).toEqual(slow); // dcmjs failed: the default read fails alike
    return 'error';
  }
  expect(slow.decoder).toBe('dcmjs');
  expect(fast.dataset.elements).toEqual(slow.dataset.elements);
  expect(fast.dataset.meta).toEqual(slow.dataset.meta);
  expect(fast.dataset.transferSyntaxUid).toBe(slow.dataset.transferSyntaxUid);
  expect(Object.keys(fast.dataset.elements)).toEqual(Object.keys(slow.dataset.elements));
  return fast.decoder;
}

const op = createImageDataset({
  rows: 4,
  columns: 3,
  samplesPerPixel: 3,
  pixelData: new Uint8Array(36),
  sopClassUid: '1.2.840.10008.5.1.4.1.1.77.1.5.1',
  extra: {
    SpecificCharacterSet: 'ISO_IR 100',
    Modality: 'OP',
    InstanceNumber: 7,
    StationName: 'FUNDUS1',
    Manufacturer: 'ACME Optics',
    ManufacturerModelName: 'RC3',
    ImageLaterality: 'R',
    ImageType: ['ORIGINAL', 'PRIMARY', 'X'],
    WindowCenter: [40, 400.5],
    StudyDate: '20240101',
    StudyTime: '101010.5',
    AcquisitionDateTime: '20240101101010',
    PatientAge: '045Y',
    RetrieveAETitle: 'AE1',
    RescaleSlope: 1.25,
    AnatomicRegionSequence: [{ CodeValue: 'T-AA610', CodingSchemeDesignator: 'SRT' }],
  },
});
const SIMPLE_EXTRA = [
  ...['ImageType', 'WindowCenter', 'StudyDate', 'StudyTime', 'AcquisitionDateTime'],
  ...['PatientAge', 'RetrieveAETitle', 'RescaleSlope', 'SpecificCharacterSet', 'HighBit'],
];

describe('readDicom({ only }) fast path: parity with dcmjs', () => {
  it.each(SYNTAXES)('%s: written OP image, ingest keywords and more', (ts) => {
    const bytes = writeDicom(op, { transferSyntaxUid: ts });
    expect(parity(bytes, { only: INGEST })).toBe('simple');
    expect(parity(bytes, { only: [...INGEST, ...SIMPLE_EXTRA] })).toBe('simple');
    expect(parity(bytes, { only: ['PatientID', 'ImagePositionPatient', 'PixelData'] })).toBe('simple');
  });

  it.each(SYNTAXES)('%s: PN and SQ elements go to dcmjs', (ts) => {
    const bytes = writeDicom(op, { transferSyntaxUid: ts });
    expect(parity(bytes, { only: [...INGEST, 'PatientName'] })).toBe('dcmjs');
    expect(parity(bytes, { only: ['AnatomicRegionSequence'] })).toBe('dcmjs');
  });

  it.each(SYNTAXES)('%s: bare dataset and non-ASCII text', (ts) => {
    const latin = writeDicom({ ...op, StationName: 'Ärzte' }, { transferSyntaxUid: ts });
    expect(parity(latin, { only: INGEST })).toBe('dcmjs');
    expect(parity(latin, { only: ['Modality', 'Rows'] })).toBe('simple');
    if (ts === TS.ExplicitVRLittleEndian || ts === TS.ImplicitVRLittleEndian) {
      const part10 = writeDicom(op, { transferSyntaxUid: ts });
      const body = part10.subarray(scanMeta(part10, findMetaStart(part10) ?? 132).datasetOffset);
      expect(parity(body, { only: INGEST })).toBe('simple');
    }
  });

  /** Raw value: text, raw bytes, or numbers written in the VR's binary form and the syntax's byte order. */
  type Value = string | number[] | { nums: number[] };
  /** [name, keyword, VR (explicit syntaxes), value, decoder (explicit), decoder for implicit VR if different] */
  type Case = [string, string, string, Value, string, string?];
  const CASES: Case[] = [
    ['CS multi-valued, odd-length pad', 'ImageType', 'CS', 'ORIGINAL\\PRIMARY\\A ', 'simple'],
    ['CS spaces around', 'Modality', 'CS', ' OP ', 'simple'],
    ['CS trailing NULs', 'Modality', 'CS', 'OP\0\0', 'simple'],
    ['CS empty', 'Modality', 'CS', '', 'simple'],
    ['CS empty values', 'ImageType', 'CS', '\\\\B', 'simple'],
    ['LO padded', 'Manufacturer', 'LO', ' ACME  ', 'simple'],
    ['LO multi-valued, inner spaces', 'Manufacturer', 'LO', 'A \\ B \\C ', 'simple'],
    ['LO trailing NUL', 'Manufacturer', 'LO', 'ACME\0', 'simple'],
    ['SH odd length', 'StationName', 'SH', 'ST1', 'simple'],
    ['AE multi-valued', 'RetrieveAETitle', 'AE', ' AE1\\AE2 ', 'simple'],
    ['DS numbers and junk', 'WindowCenter', 'DS', ' 1.5\\-2e3\\abc\\\\7 ', 'simple'],
    ['DS overflow', 'RescaleSlope', 'DS', '1e999', 'simple'],
    ['IS forms', 'InstanceNumber', 'IS', '+12\\1.0\\ 3 \\x', 'simple'],
    ['IS empty', 'InstanceNumber', 'IS', '', 'simple'],
    ['UI NUL padded', 'SOPInstanceUID', 'UI', '1.2.3\0', 'simple'],
    ['UI space padded', 'SOPInstanceUID', 'UI', '1.2.3 ', 'simple'],
    ['UI multi-valued', 'SOPClassUID', 'UI', '1.2\\3.4\0', 'simple'],
    ['UI junk', 'SOPClassUID', 'UI', ' 1.2a\\\0', 'simple'],
    ['UI empty', 'SOPClassUID', 'UI', '', 'simple'],
    ['DA multi-valued, odd last value padded', 'StudyDate', 'DA', '20240101\\202401 ', 'simple'],
    ['DA multi-valued, even last value padded', 'StudyDate', 'DA', '2024010\\2024010 ', 'simple'],
    ['TM leading and trailing spaces', 'StudyTime', 'TM', ' 1010 \\1111  ', 'simple'],
    ['DT padded', 'AcquisitionDateTime', 'DT', '20240101101010 ', 'simple'],
    ['AS', 'PatientAge', 'AS', '045Y', 'simple'],
    ['AS short', 'PatientAge', 'AS', '45Y', 'simple'],
    ['AS multi-valued, padded', 'PatientAge', 'AS', '045Y\\45Y ', 'simple'],
    ['US empty', 'Rows', 'US', [], 'simple'],
    ['US two values', 'Rows', 'US', { nums: [512, 65535] }, 'simple'],
    ['US odd length (dcmjs reads past the value)', 'Rows', 'US', [1, 2, 3], 'error'],
    ['SS where the dictionary says US', 'Rows', 'SS', { nums: [-2] }, 'simple'],
    ['UL multi-valued', 'SimpleFrameList', 'UL', { nums: [1, 4294967295] }, 'simple'],
    ['SL', 'ReferencePixelX0', 'SL', { nums: [-2, 1] }, 'simple'],
    ['FL', 'RecommendedDisplayFrameRateInFloat', 'FL', { nums: [1.5] }, 'simple'],
    ['FL empty', 'RecommendedDisplayFrameRateInFloat', 'FL', [], 'simple'],
    ['FD multi-valued', 'ExposureTimeInms', 'FD', { nums: [0.1, -3] }, 'simple'],
    ['xs VR (US or SS)', 'SmallestImagePixelValue', 'US', { nums: [1] }, 'simple', 'dcmjs'],
    ['non-ASCII LO', 'Manufacturer', 'LO', [0xc4, 0x41], 'dcmjs'],
    ['ISO 2022 escape', 'Manufacturer', 'LO', [0x1b, 0x28, 0x42, 0x41], 'dcmjs'],
    ['control character', 'Manufacturer', 'LO', 'A\tB', 'dcmjs'],
    ['text VR', 'ImageComments', 'LT', 'hello', 'dcmjs'],
    ['UN holding a LO', 'Manufacturer', 'UN', 'ACME', 'dcmjs', 'simple'],
    ['PN', 'PatientName', 'PN', 'Doe^J', 'dcmjs'],
  ];

  it.each(SYNTAXES)('%s: hand-encoded values', (ts) => {
    const implicit = ts === TS.ImplicitVRLittleEndian;
    for (const [name, keyword, vr, value, decoder, implicitDecoder] of CASES) {
      const bytes = part10(ts, [[keyword, vr, value]]);
      const expected = implicit ? (implicitDecoder ?? decoder) : decoder;
      expect([name, parity(bytes, { only: [keyword, 'Rows'] })]).toEqual([name, expected]);
    }
  });

  it.each(SYNTAXES)('%s: Specific Character Set terms', (ts) => {
    const cases: Array<[string, string]> = [
      ['ISO_IR 100', 'simple'],
      ['ISO_IR 192', 'simple'],
      ['ISO 2022 IR 6', 'simple'],
      ['', 'simple'],
      ['ISO_IR 999', 'dcmjs'],
      ['ISO_IR 100\\ISO 2022 IR 87', 'dcmjs'],
      ['ISO_IR 144', 'dcmjs'],
    ];
    for (const [charset, decoder] of cases) {
      const bytes = part10(ts, [
        ['SpecificCharacterSet', 'CS', charset],
        ['Modality', 'CS', 'OP'],
      ]);
      expect([charset, parity(bytes, { only: ['Modality'] })]).toEqual([charset, decoder]);
    }
  });

  it('elements absent from the object are absent', () => {
    const bytes = part10(TS.ExplicitVRLittleEndian, [['Modality', 'CS', 'OP']]);
    expect(parity(bytes, { only: ['Laterality', 'NumberOfFrames', 'Modality'] })).toBe('simple');
    expect(readDicomVia(bytes, { only: ['Laterality'] }).dataset.elements).toEqual({ _vrMap: {} });
  });
});

/** A Part-10 file with the given elements (raw values, not padded), in the given transfer syntax. */
function part10(
  ts: string,
  elements: Array<[keyword: string, vr: string, value: string | number[] | { nums: number[] }]>,
): Uint8Array {
  const big = ts === TS.ExplicitVRBigEndian;
  const implicit = ts === TS.ImplicitVRLittleEndian;
  const encoded = elements
    .map(([keyword, vr, value]) => {
      const tag = dcmjs.data.DicomMetaDictionary.nameMap[keyword]?.tag ?? '';
      const [group, element] = [parseInt(tag.slice(1, 5), 16), parseInt(tag.slice(6, 10), 16)];
      const raw =
        typeof value === 'string' ? text(value) : Array.isArray(value) ? value : binary(vr, value.nums, big);
      return { tag: group * 0x10000 + element, bytes: encode(group, element, vr, raw, big, implicit) };
    })
    .sort((a, b) => a.tag - b.tag);
  let body = concatBytes(encoded.map((e) => e.bytes));
  if (ts === TS.DeflatedExplicitVRLittleEndian) body = deflateRawSync(body);
  const meta = [
    encodeElement(0x0002, 0x0001, 'OB', new Uint8Array([0, 1])),
    encodeElement(0x0002, 0x0002, 'UI', text2('1.2.840.10008.5.1.4.1.1.7')),
    encodeElement(0x0002, 0x0003, 'UI', text2('1.2.3.4')),
    encodeElement(0x0002, 0x0012, 'UI', text2('1.2.3')),
    encodeElement(0x0002, 0x0013, 'SH', text2('TEST 1')),
  ];
  return buildPart10(meta, ts, [body]);
}

function text2(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

function text(s: string): number[] {
  return Array.from(s, (c) => c.charCodeAt(0));
}

function binary(vr: string, nums: number[], big: boolean): number[] {
  const size = { US: 2, SS: 2, UL: 4, SL: 4, FL: 4, FD: 8 }[vr] ?? 0;
  const view = new DataView(new ArrayBuffer(size * nums.length));
  nums.forEach((n, i) => {
    const at = i * size;
    if (vr === 'US') view.setUint16(at, n, !big);
    else if (vr === 'SS') view.setInt16(at, n, !big);
    else if (vr === 'UL') view.setUint32(at, n, !big);
    else if (vr === 'SL') view.setInt32(at, n, !big);
    else if (vr === 'FL') view.setFloat32(at, n, !big);
    else view.setFloat64(at, n, !big);
  });
  return Array.from(new Uint8Array(view.buffer));
}

function encode(group: number, element: number, vr: string, v: number[], big: boolean, implicit: boolean) {
  const long = ['OB', 'OW', 'SQ', 'UN', 'UT', 'UC', 'UR', 'OD', 'OF', 'OL', 'OV', 'SV', 'UV'].includes(vr);
  const header = new Uint8Array(implicit || long ? 12 : 8).subarray(0, implicit ? 8 : undefined);
  const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
  view.setUint16(0, group, !big);
  view.setUint16(2, element, !big);
  if (implicit) view.setUint32(4, v.length, true);
  else {
    header.set([vr.charCodeAt(0), vr.charCodeAt(1)], 4);
    if (long) view.setUint32(8, v.length, !big);
    else view.setUint16(6, v.length, !big);
  }
  return concatBytes([header, Uint8Array.from(v)]);
}
