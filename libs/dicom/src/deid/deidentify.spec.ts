import { describe, expect, it } from 'vitest';
import { dcmjs } from '../reader/dcmjs.adapter.js';
import { readDicom } from '../reader/dicom.reader.js';
import { writeDicom } from '../dicom.writer.js';
import { createImageDataset } from '../testing/image-dataset.builder.js';
import { writeEncapsulated } from '../testing/encapsulated.builder.js';
import { encodeRleFrame } from '../testing/rle.encoder.js';
import { decodeFrame } from '../pixel/frame.decode.js';
import type { NaturalDataset } from '../dicom.dataset.js';
import { BASIC_PROFILE } from './deid.profile.js';
import { deidentify, remapUid } from './deidentify.js';
import { deidentifyToPart10 } from './deid.write.js';

const OP = '1.2.840.10008.5.1.4.1.1.77.1.5.1';
const STUDY = '1.2.826.0.1.3680043.2.1125.777.1';
const SERIES = `${STUDY}.2`;
const SOP = `${STUDY}.2.3`;
const FOR = `${STUDY}.9`;
const SALT = 'test-salt-0123456789';

/** Every planted identifier: none of these strings may survive in the written bytes. */
const PLANTED = [
  'Planted^Infant',
  'MRN-4711-PLANT',
  '20250314',
  'ACC-99887766',
  'St. Planted Hospital',
  'Referrer^Planted',
  'Operator^Planted',
  'STUDYID-PLANT',
  'OTHER-ID-PLANT',
  'PRIVATE-SECRET',
  'Seq^Physician^Planted',
  'SEQ-ISSUER-PLANT',
  'Plantville Road 1',
  'retcam-station-7',
  'SN-PLANT-123',
  'Planted comment',
  'Mother^Planted',
  'Study desc planted',
  '093015',
  'Perf^Planted',
  'ADM-PLANT',
  'OTHER-SEQ-ID-PLANT',
];

function plantedHeader(pixels: Uint8Array): NaturalDataset {
  return createImageDataset({
    rows: 4,
    columns: 5,
    samplesPerPixel: 3,
    pixelData: pixels,
    sopClassUid: OP,
    extra: {
      SOPInstanceUID: SOP,
      StudyInstanceUID: STUDY,
      SeriesInstanceUID: SERIES,
      FrameOfReferenceUID: FOR,
      Modality: 'OP',
      ImageLaterality: 'R',
      PatientName: 'Planted^Infant',
      PatientID: 'MRN-4711-PLANT',
      PatientBirthDate: '20250314',
      PatientSex: 'F',
      PatientAge: '006W',
      PatientWeight: 1.2,
      PatientMotherBirthName: 'Mother^Planted',
      OtherPatientIDs: 'OTHER-ID-PLANT',
      AccessionNumber: 'ACC-99887766',
      InstitutionName: 'St. Planted Hospital',
      InstitutionAddress: 'Plantville Road 1',
      StationName: 'retcam-station-7',
      DeviceSerialNumber: 'SN-PLANT-123',
      Manufacturer: 'Clarity',
      ReferringPhysicianName: 'Referrer^Planted',
      OperatorsName: 'Operator^Planted',
      PerformingPhysicianName: 'Perf^Planted',
      AdmissionID: 'ADM-PLANT',
      StudyID: 'STUDYID-PLANT',
      StudyDescription: 'Study desc planted',
      StudyDate: '20250314',
      StudyTime: '093015',
      SeriesDate: '20250314',
      ContentDate: '20250314',
      ContentTime: '093015',
      AcquisitionDateTime: '20250314093015',
      ImageComments: 'Planted comment',
      IssuerOfAccessionNumberSequence: [{ LocalNamespaceEntityID: 'SEQ-ISSUER-PLANT' }],
      OtherPatientIDsSequence: [{ PatientID: 'OTHER-SEQ-ID-PLANT', TypeOfPatientID: 'TEXT' }],
      // Identifiers inside a kept sequence: the referenced UID is remapped, the name removed.
      ReferencedImageSequence: [
        {
          ReferencedSOPClassUID: OP,
          ReferencedSOPInstanceUID: SOP,
        },
      ],
      AnatomicRegionSequence: [
        {
          CodeValue: 'T-AA000',
          CodingSchemeDesignator: 'SRT',
          CodeMeaning: 'Eye',
          // Not an attribute of a code item, but a writer could put one there: must go too.
          ConsultingPhysicianName: 'Seq^Physician^Planted',
        },
      ],
    },
  });
}

/** dcmjs cannot write unnamed tags from a naturalized dataset: a private block is added tag-keyed. */
function withPrivateTag(part10: Uint8Array): Uint8Array {
  const dict = dcmjs.data.DicomMessage.readFile(part10.slice().buffer);
  dict.dict['00090010'] = { vr: 'LO', Value: ['ACME PLANT'] };
  dict.dict['00091010'] = { vr: 'LO', Value: ['PRIVATE-SECRET'] };
  return new Uint8Array(dict.write());
}

const pixels = Uint8Array.from({ length: 4 * 5 * 3 }, (_, i) => (i * 37) % 256);
const pseudonym = 'INF-0f3a9c';

describe('deidentify (PS3.15 E.1 Basic Profile)', () => {
  const source = withPrivateTag(writeDicom(plantedHeader(pixels)));
  const out = Buffer.from(deidentifyToPart10(readDicom(source), { salt: SALT, pseudonym }));

  it('the planted source really holds every planted string (the test can fail)', () => {
    const src = Buffer.from(source);
    for (const s of PLANTED) expect([s, src.includes(s)]).toEqual([s, true]);
  });

  it('leaves none of the planted identifiers, nor the original UIDs, in the written bytes', () => {
    for (const s of [...PLANTED, STUDY]) expect([s, out.includes(s)]).toEqual([s, false]);
  });

  it('replaces UIDs with salted 2.25 UIDs, consistently (references follow)', () => {
    const e = readDicom(out).elements;
    expect(e.StudyInstanceUID).toBe(remapUid(STUDY, SALT));
    expect(e.SeriesInstanceUID).toBe(remapUid(SERIES, SALT));
    expect(e.SOPInstanceUID).toBe(remapUid(SOP, SALT));
    expect(e.FrameOfReferenceUID).toBe(remapUid(FOR, SALT));
    const ref = (e.ReferencedImageSequence as NaturalDataset[])[0];
    expect(ref.ReferencedSOPInstanceUID).toBe(e.SOPInstanceUID);
    expect(ref.ReferencedSOPClassUID).toBe(OP);
    expect(e.SOPClassUID).toBe(OP);
    expect(String(e.StudyInstanceUID)).toMatch(/^2\.25\.[1-9]\d{0,38}$/);
    expect(remapUid(STUDY, 'another-salt')).not.toBe(e.StudyInstanceUID);
    expect(readDicom(out).meta.MediaStorageSOPInstanceUID).toBe(e.SOPInstanceUID);
  });

  it('sets the pseudonym, the de-identification record and keeps the retained options', () => {
    const e = readDicom(out).elements;
    expect(e.PatientName).toEqual([{ Alphabetic: pseudonym }]);
    expect(e.PatientID).toBe(pseudonym);
    expect(e.PatientIdentityRemoved).toBe('YES');
    expect(e.LongitudinalTemporalInformationModified).toBe('REMOVED');
    const codes = (e.DeidentificationMethodCodeSequence as NaturalDataset[]).map((c) => c.CodeValue);
    expect(codes).toEqual(['113100', '113108']);
    expect(codes).not.toContain('113101');
    expect([e.PatientSex, e.PatientAge, e.PatientWeight]).toEqual(['F', '006W', 1.2]);
    expect([e.Modality, e.ImageLaterality, e.Manufacturer]).toEqual(['OP', 'R', 'Clarity']);
    // Z: present, empty (Type 2); D: dummy (Type 1 in the OP image module); X: gone.
    expect([e.PatientBirthDate, e.AccessionNumber, e.StudyID, e.StudyDate]).toEqual(['', '', '', '']);
    expect([e.ContentDate, e.ContentTime]).toEqual(['19000101', '000000']);
    for (const k of ['InstitutionName', 'OperatorsName', 'OtherPatientIDs', 'ImageComments', 'SeriesDate'])
      expect([k, k in e]).toEqual([k, false]);
    const hex = (d: NaturalDataset) => Object.keys(d).filter((k) => /^[0-9A-F]{8}$/i.test(k));
    expect(hex(readDicom(source).elements)).toEqual(['00090010', '00091010']);
    expect(hex(deidentify(readDicom(source).elements, { salt: SALT, pseudonym }))).toEqual([]);
    const region = (e.AnatomicRegionSequence as NaturalDataset[])[0];
    expect(region.CodeValue).toBe('T-AA000');
    expect('ConsultingPhysicianName' in region).toBe(false);
  });

  it('without option 113108, patient characteristics are removed (sex emptied, Type 2)', () => {
    const e = deidentify(plantedHeader(pixels), {
      salt: SALT,
      pseudonym,
      retainPatientCharacteristics: false,
    });
    expect([e.PatientSex, 'PatientAge' in e, 'PatientWeight' in e]).toEqual(['', false, false]);
    expect((e.DeidentificationMethodCodeSequence as NaturalDataset[]).map((c) => c.CodeValue)).toEqual([
      '113100',
    ]);
  });

  it('leaves the pixel data byte-identical', () => {
    const pd = readDicom(out).pixelData;
    expect(pd && !pd.encapsulated && Buffer.from(pd.bytes).equals(Buffer.from(pixels))).toBe(true);
  });

  it('is pure and deterministic: same input + salt -> same bytes; the input is untouched', () => {
    const ds = plantedHeader(pixels);
    const before = JSON.stringify(Object.keys(ds));
    deidentify(ds, { salt: SALT, pseudonym });
    expect(JSON.stringify(Object.keys(ds))).toBe(before);
    expect(ds.PatientName).toBe('Planted^Infant');
    const again = Buffer.from(deidentifyToPart10(readDicom(source), { salt: SALT, pseudonym }));
    expect(again.equals(out)).toBe(true);
  });

  it('refuses an empty salt or pseudonym', () => {
    expect(() => deidentify({}, { salt: '', pseudonym })).toThrow(/salt/);
    expect(() => deidentify({}, { salt: SALT, pseudonym: '' })).toThrow(/pseudonym/);
  });

  it('lists the attributes of Table E.1-1 that matter for OP/SC with the expected actions', () => {
    const expected: Record<string, string> = {
      PatientName: 'D',
      PatientID: 'D',
      PatientBirthDate: 'Z',
      AccessionNumber: 'Z',
      InstitutionName: 'X',
      ReferringPhysicianName: 'Z',
      OperatorsName: 'X',
      StudyID: 'Z',
      OtherPatientIDsSequence: 'X',
      StudyInstanceUID: 'U',
      SeriesInstanceUID: 'U',
      SOPInstanceUID: 'U',
      FrameOfReferenceUID: 'U',
      IconImageSequence: 'X',
    };
    for (const [k, a] of Object.entries(expected)) expect([k, BASIC_PROFILE[k]]).toEqual([k, a]);
  });

  it('keeps encapsulated frames encoded and identical (RLE, 2 frames, one split in 2 fragments)', async () => {
    const spec = { rows: 4, columns: 5, samplesPerPixel: 3, bitsAllocated: 8 } as const;
    const f1 = encodeRleFrame(pixels, spec);
    const f2 = encodeRleFrame(
      pixels.map((v) => 255 - v),
      spec,
    );
    const { PixelData: _drop, ...header } = plantedHeader(pixels);
    const src = writeEncapsulated({ ...header, NumberOfFrames: 2 }, '1.2.840.10008.1.2.5', [
      [f1.subarray(0, 16), f1.subarray(16)],
      [f2],
    ]);
    const bytes = deidentifyToPart10(readDicom(src), { salt: SALT, pseudonym });
    const ds = readDicom(bytes);
    expect(ds.transferSyntaxUid).toBe('1.2.840.10008.1.2.5');
    for (const s of PLANTED) expect([s, Buffer.from(bytes).includes(s)]).toEqual([s, false]);
    const before = readDicom(src);
    for (const i of [0, 1]) {
      const [a, b] = [await decodeFrame(before, i), await decodeFrame(ds, i)];
      expect(Buffer.from(b.data).equals(Buffer.from(a.data))).toBe(true);
    }
    expect(Buffer.from((await decodeFrame(ds, 0)).data).equals(Buffer.from(pixels))).toBe(true);
  });
});
