// Test fixtures for the result builders' specs (not exported from the lib). Synthetic identities.
import type { NaturalDataset } from '../reader/dcmjs.adapter.js';
import type { OverlayScInput, StagingSrInput } from './results.types.js';

export const OP_SOP_CLASS = '1.2.840.10008.5.1.4.1.1.77.1.5.1';

/** A naturalized OP source header like tools/phantom writes (Latin-1 or UTF-8 charset). */
export function sourceHeader(over: NaturalDataset = {}): NaturalDataset {
  return {
    SpecificCharacterSet: 'ISO_IR 192',
    SOPClassUID: OP_SOP_CLASS,
    SOPInstanceUID: '2.25.111111111111111111111111111111111111',
    StudyInstanceUID: '2.25.222222222222222222222222222222222222',
    SeriesInstanceUID: '2.25.333333333333333333333333333333333333',
    StudyDate: '20260301',
    StudyTime: '101500',
    StudyID: 'PH0001',
    AccessionNumber: 'ACC0001',
    ReferringPhysicianName: 'Ref^Doc',
    StudyDescription: 'ROP screening (phantom)',
    PatientName: 'Müller^Zoë',
    PatientID: 'PHANTOM-0001',
    PatientBirthDate: '20260101',
    PatientSex: 'F',
    Modality: 'OP',
    ImageLaterality: 'R',
    NumberOfFrames: 1,
    ...over,
  };
}

export const ROWS = 64;
export const COLUMNS = 96;

/** Orange-red fundus-like frame with a per-pixel gradient (so "unchanged" is checkable). */
export function fundusRgb(rows = ROWS, columns = COLUMNS): Uint8Array {
  const rgb = new Uint8Array(rows * columns * 3);
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < columns; x++) {
      const i = (y * columns + x) * 3;
      rgb[i] = 200 + (x % 40);
      rgb[i + 1] = 80 + (y % 30);
      rgb[i + 2] = 40 + ((x + y) % 20);
    }
  }
  return rgb;
}

/** A 3 px wide horizontal line at rows 30..32, columns 20..69 (0/255). */
export function lineMask(rows = ROWS, columns = COLUMNS): Uint8Array {
  const mask = new Uint8Array(rows * columns);
  for (let y = 30; y <= 32; y++) for (let x = 20; x < 70; x++) mask[y * columns + x] = 255;
  return mask;
}

/** A filled 12x12 block at rows 10..21, columns 40..51 (for the fill style). */
export function blockMask(rows = ROWS, columns = COLUMNS): Uint8Array {
  const mask = new Uint8Array(rows * columns);
  for (let y = 10; y < 22; y++) for (let x = 40; x < 52; x++) mask[y * columns + x] = 255;
  return mask;
}

export const CREATED_AT = new Date('2026-03-02T08:09:10.123Z');
export const MODEL = { name: 'ropline-hybrid', version: '1.4.0' };

export function overlayInput(over: Partial<OverlayScInput> = {}): OverlayScInput {
  return {
    source: sourceHeader(),
    rgb: fundusRgb(),
    rows: ROWS,
    columns: COLUMNS,
    mask: lineMask(),
    style: 'outline',
    caption: { stage: 'stage2', confidence: 0.873, laterality: 'R', model: MODEL },
    analysis: MODEL,
    frameNumber: 1,
    createdAt: CREATED_AT,
    ...over,
  };
}

export function srInput(over: Partial<StagingSrInput> = {}): StagingSrInput {
  const source = sourceHeader();
  return {
    source,
    analysisId: 'analysis-42',
    revision: 0,
    model: MODEL,
    createdAt: CREATED_AT,
    eyes: [
      {
        laterality: 'R',
        stage: 'stage2',
        confidence: 0.873,
        images: [
          {
            sopClassUid: OP_SOP_CLASS,
            sopInstanceUid: String(source.SOPInstanceUID),
            seriesInstanceUid: String(source.SeriesInstanceUID),
            polylines: [
              [20.5, 31, 40, 30.5, 69.5, 31],
              [10, 10, 12, 14],
            ],
          },
        ],
      },
      {
        laterality: 'L',
        stage: 'none',
        confidence: 0.91,
        images: [
          {
            sopClassUid: OP_SOP_CLASS,
            sopInstanceUid: '2.25.444444444444444444444444444444444444',
            seriesInstanceUid: '2.25.555555555555555555555555555555555555',
            frameNumber: 2,
            polylines: [],
          },
        ],
      },
    ],
    ...over,
  };
}
