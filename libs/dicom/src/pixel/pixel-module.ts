import type { DicomDataset } from '../dicom.dataset.js';
import { DicomErrorCode, dicomError } from '../dicom.errors.js';

/** Default cap on decoded pixel bytes: 512 MiB. */
export const DEFAULT_MAX_DECODED_BYTES = 512 * 1024 * 1024;

export type VoiFunction = 'LINEAR' | 'LINEAR_EXACT' | 'SIGMOID';

/** Image Pixel Module (PS3.3 C.7.6.3) plus the modality/VOI attributes rendering needs. */
export interface PixelModule {
  rows: number;
  columns: number;
  samplesPerPixel: number;
  bitsAllocated: number;
  bitsStored: number;
  highBit: number;
  pixelRepresentation: 0 | 1;
  planarConfiguration: 0 | 1;
  /** Upper-case, trimmed, e.g. 'MONOCHROME2', 'YBR_FULL_422', 'PALETTE COLOR'. */
  photometric: string;
  frames: number;
  /** Modality LUT as a linear rescale (PS3.3 C.11.1); undefined when absent. */
  rescale?: { slope: number; intercept: number };
  /** First Window Center/Width pair (PS3.3 C.11.2.1.2); undefined when absent or unusable. */
  window?: { center: number; width: number; fn: VoiFunction };
}

export function readPixelModule(ds: DicomDataset): PixelModule {
  const rows = required(ds, 'Rows');
  const columns = required(ds, 'Columns');
  const bitsAllocated = required(ds, 'BitsAllocated');
  const samplesPerPixel = ds.number('SamplesPerPixel') ?? 1;
  const bitsStored = ds.number('BitsStored') ?? bitsAllocated;
  const highBit = ds.number('HighBit') ?? bitsStored - 1;
  const frames = ds.number('NumberOfFrames') ?? 1;
  const photometric =
    ds.string('PhotometricInterpretation')?.toUpperCase() ?? (samplesPerPixel === 3 ? 'RGB' : 'MONOCHROME2');

  invalidIf(
    !isInt(rows, 1, 65535) || !isInt(columns, 1, 65535),
    `Rows/Columns ${rows}x${columns} out of range`,
  );
  invalidIf(![1, 8, 16, 32].includes(bitsAllocated), `BitsAllocated ${bitsAllocated} is not 1, 8, 16 or 32`);
  invalidIf(!isInt(bitsStored, 1, bitsAllocated), `BitsStored ${bitsStored} not in 1..BitsAllocated`);
  invalidIf(
    !isInt(highBit, bitsStored - 1, bitsAllocated - 1),
    `HighBit ${highBit} inconsistent with BitsStored`,
  );
  invalidIf(!isInt(frames, 1, 2 ** 31), `NumberOfFrames ${frames} is not a positive integer`);
  invalidIf(
    samplesPerPixel !== 1 && samplesPerPixel !== 3,
    `SamplesPerPixel ${samplesPerPixel} is not 1 or 3`,
  );

  const pm: PixelModule = {
    rows,
    columns,
    samplesPerPixel,
    bitsAllocated,
    bitsStored,
    highBit,
    pixelRepresentation: ds.number('PixelRepresentation') === 1 ? 1 : 0,
    planarConfiguration: ds.number('PlanarConfiguration') === 1 ? 1 : 0,
    photometric,
    frames,
  };
  const slope = ds.number('RescaleSlope');
  const intercept = ds.number('RescaleIntercept');
  if ((slope !== undefined && slope !== 0) || intercept !== undefined) {
    pm.rescale = { slope: slope || 1, intercept: intercept ?? 0 };
  }
  const center = ds.number('WindowCenter');
  const width = ds.number('WindowWidth');
  const fnName = ds.string('VOILUTFunction')?.toUpperCase();
  const fn: VoiFunction = fnName === 'LINEAR_EXACT' || fnName === 'SIGMOID' ? fnName : 'LINEAR';
  // LINEAR needs width >= 1, the others width > 0 (PS3.3 C.11.2.1.2.1/.2/.3); else fall back to min-max.
  if (center !== undefined && width !== undefined && (fn === 'LINEAR' ? width >= 1 : width > 0)) {
    pm.window = { center, width, fn };
  }
  return pm;
}

/** Bytes the decoded frames need (before 8-bit rendering); 1-bit data counts one byte per pixel. */
export function decodedByteCount(
  pm: Pick<PixelModule, 'rows' | 'columns' | 'frames' | 'samplesPerPixel' | 'bitsAllocated'>,
): number {
  return pm.rows * pm.columns * pm.frames * pm.samplesPerPixel * Math.max(1, pm.bitsAllocated / 8);
}

/**
 * Refuses absurd images before anything is allocated. Reads the raw attributes (not the validated
 * module) so a huge but otherwise valid header is refused even when other attributes are missing.
 */
export function checkImageSize(ds: DicomDataset, maxBytes: number): void {
  const rows = ds.number('Rows');
  const columns = ds.number('Columns');
  if (rows === undefined || columns === undefined) return;
  const frames = Math.max(1, ds.number('NumberOfFrames') ?? 1);
  const samplesPerPixel = Math.max(1, ds.number('SamplesPerPixel') ?? 1);
  const bitsAllocated = Math.max(8, ds.number('BitsAllocated') ?? 8);
  const bytes = decodedByteCount({ rows, columns, frames, samplesPerPixel, bitsAllocated });
  if (bytes > maxBytes) {
    throw dicomError(
      DicomErrorCode.IMAGE_TOO_LARGE,
      `Image too large: ${rows}x${columns} x ${frames} frame(s) x ${samplesPerPixel} sample(s) x ${bitsAllocated} bits ` +
        `= ${bytes} bytes decoded, over the cap of ${maxBytes} bytes (maxDecodedBytes)`,
      { rows, columns, frames, samplesPerPixel, bitsAllocated, maxDecodedBytes: maxBytes },
    );
  }
}

function required(ds: DicomDataset, keyword: string): number {
  const v = ds.number(keyword);
  if (v === undefined) {
    throw dicomError(
      DicomErrorCode.MISSING_ATTRIBUTE,
      `Required attribute ${keyword} is missing or not a number`,
      {
        attribute: keyword,
      },
    );
  }
  return v;
}

function invalidIf(cond: boolean, message: string): void {
  if (cond) throw dicomError(DicomErrorCode.INVALID_ATTRIBUTE, `Image Pixel Module: ${message}`);
}

function isInt(v: number, min: number, max: number): boolean {
  return Number.isInteger(v) && v >= min && v <= max;
}
