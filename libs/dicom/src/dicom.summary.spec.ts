import { describe, expect, it } from 'vitest';
import { writeDicom } from './dicom.writer.js';
import { summarize } from './dicom.summary.js';
import { readDicom } from './reader/dicom.reader.js';
import { createImageDataset } from './testing/image-dataset.builder.js';

const phi = {
  PatientName: 'Doe^Baby',
  PatientID: 'MRN-123456',
  PatientBirthDate: '20240101',
  AccessionNumber: 'ACC-987',
  InstitutionName: 'Neonatal Unit',
};

describe('summarize', () => {
  it('describes an ophthalmic photograph without any patient identifier', () => {
    const ds = createImageDataset({
      rows: 4,
      columns: 6,
      samplesPerPixel: 3,
      frames: 2,
      pixelData: new Uint8Array(4 * 6 * 3 * 2),
      sopClassUid: '1.2.840.10008.5.1.4.1.1.77.1.5.1',
      extra: {
        ...phi,
        Modality: 'OP',
        ImageLaterality: 'R',
        Manufacturer: 'Natus',
        ManufacturerModelName: 'RetCam Envision',
      },
    });
    const info = summarize(readDicom(writeDicom(ds)));
    expect(info).toEqual({
      sopClassUid: '1.2.840.10008.5.1.4.1.1.77.1.5.1',
      sopClassName: 'Ophthalmic Photography 8 Bit Image Storage',
      transferSyntaxUid: '1.2.840.10008.1.2.1',
      transferSyntaxName: 'Explicit VR Little Endian',
      rows: 4,
      columns: 6,
      frames: 2,
      samplesPerPixel: 3,
      photometric: 'RGB',
      bitsAllocated: 8,
      bitsStored: 8,
      pixelRepresentation: 0,
      planarConfiguration: 0,
      modality: 'OP',
      laterality: 'R',
      manufacturer: 'Natus',
      model: 'RetCam Envision',
      hasPixelData: true,
    });
    const json = JSON.stringify(info);
    for (const value of Object.values(phi)) expect(json).not.toContain(value);
    expect(json).not.toContain('Fixture');
  });

  it('falls back to series Laterality and tolerates an object without pixels', () => {
    const ds = createImageDataset({
      rows: 1,
      columns: 1,
      extra: { Laterality: 'L', Rows: undefined, Columns: undefined },
    });
    const info = summarize(readDicom(writeDicom(ds)));
    expect(info).toMatchObject({ laterality: 'L', hasPixelData: false, frames: 1 });
    expect(info.rows).toBeUndefined();
  });
});
