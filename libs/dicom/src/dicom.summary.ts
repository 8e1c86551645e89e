import type { DicomDataset } from './dicom.dataset.js';
import { sopClassName, transferSyntaxName } from './uid.constants.js';

/**
 * PHI-free description of a DICOM object, safe to log and to return from APIs. Built from an
 * allow-list of technical attributes only: patient, study-identifying and accession attributes are
 * never read here.
 */
export interface DicomInfo {
  sopClassUid?: string;
  sopClassName?: string;
  transferSyntaxUid: string;
  transferSyntaxName: string;
  rows?: number;
  columns?: number;
  frames: number;
  samplesPerPixel?: number;
  photometric?: string;
  bitsAllocated?: number;
  bitsStored?: number;
  pixelRepresentation?: number;
  planarConfiguration?: number;
  modality?: string;
  /** ImageLaterality (0020,0062), else Laterality (0020,0060): 'R', 'L', 'B' or 'U'. */
  laterality?: string;
  manufacturer?: string;
  model?: string;
  hasPixelData: boolean;
}

export function summarize(ds: DicomDataset): DicomInfo {
  const metaSopClass = ds.meta.MediaStorageSOPClassUID;
  const sopClassUid =
    ds.string('SOPClassUID') ?? (typeof metaSopClass === 'string' ? metaSopClass : undefined);
  const info: DicomInfo = {
    sopClassUid,
    sopClassName: sopClassUid ? sopClassName(sopClassUid) : undefined,
    transferSyntaxUid: ds.transferSyntaxUid,
    transferSyntaxName: transferSyntaxName(ds.transferSyntaxUid),
    rows: ds.number('Rows'),
    columns: ds.number('Columns'),
    frames: ds.number('NumberOfFrames') ?? 1,
    samplesPerPixel: ds.number('SamplesPerPixel'),
    photometric: ds.string('PhotometricInterpretation'),
    bitsAllocated: ds.number('BitsAllocated'),
    bitsStored: ds.number('BitsStored'),
    pixelRepresentation: ds.number('PixelRepresentation'),
    planarConfiguration: ds.number('PlanarConfiguration'),
    modality: ds.string('Modality'),
    laterality: ds.string('ImageLaterality') ?? ds.string('Laterality'),
    manufacturer: ds.string('Manufacturer'),
    model: ds.string('ManufacturerModelName'),
    hasPixelData: ds.pixelData !== null,
  };
  // Drop absent fields so the JSON stays small and stable.
  return Object.fromEntries(Object.entries(info).filter(([, v]) => v !== undefined)) as unknown as DicomInfo;
}
