import type { NaturalDataset } from '../reader/dcmjs.adapter.js';

/** What a test image needs; everything else gets a plausible default. */
export interface ImageDatasetSpec {
  rows: number;
  columns: number;
  samplesPerPixel?: 1 | 3;
  /** Default MONOCHROME2 for 1 sample, RGB for 3. */
  photometric?: string;
  bitsAllocated?: 1 | 8 | 16 | 32;
  bitsStored?: number;
  highBit?: number;
  pixelRepresentation?: 0 | 1;
  planarConfiguration?: 0 | 1;
  frames?: number;
  /** Native: one buffer with all frames. Encapsulated: one encoded buffer per frame. */
  pixelData?: ArrayBuffer | ArrayBufferView | (ArrayBuffer | ArrayBufferView)[];
  /** Default Secondary Capture Image Storage. */
  sopClassUid?: string;
  /** Extra or overriding attributes (dcmjs keywords). */
  extra?: NaturalDataset;
}

let counter = 0;

/** A deterministic test UID under 2.25 (never a real instance UID). */
export function testUid(): string {
  counter += 1;
  return `2.25.1000000000000000000000${counter}`;
}

/**
 * A naturalized image dataset for tests and fixtures: Image Pixel Module (PS3.3 C.7.6.3) plus the
 * SOP Common identifiers writeDicom needs. Patient attributes are fake and obviously so.
 */
export function createImageDataset(spec: ImageDatasetSpec): NaturalDataset {
  const samplesPerPixel = spec.samplesPerPixel ?? 1;
  const bitsAllocated = spec.bitsAllocated ?? 8;
  const bitsStored = spec.bitsStored ?? bitsAllocated;
  const uid = testUid();
  const ds: NaturalDataset = {
    SOPClassUID: spec.sopClassUid ?? '1.2.840.10008.5.1.4.1.1.7',
    SOPInstanceUID: uid,
    StudyInstanceUID: `${uid}.1`,
    SeriesInstanceUID: `${uid}.2`,
    Modality: 'OT',
    PatientName: 'Test^Fixture',
    PatientID: 'FIXTURE-0',
    Rows: spec.rows,
    Columns: spec.columns,
    SamplesPerPixel: samplesPerPixel,
    PhotometricInterpretation: spec.photometric ?? (samplesPerPixel === 3 ? 'RGB' : 'MONOCHROME2'),
    BitsAllocated: bitsAllocated,
    BitsStored: bitsStored,
    HighBit: spec.highBit ?? bitsStored - 1,
    PixelRepresentation: spec.pixelRepresentation ?? 0,
  };
  if (samplesPerPixel > 1) ds.PlanarConfiguration = spec.planarConfiguration ?? 0;
  if (spec.frames !== undefined) ds.NumberOfFrames = spec.frames;
  if (spec.pixelData !== undefined) ds.PixelData = spec.pixelData;
  return { ...ds, ...spec.extra };
}
