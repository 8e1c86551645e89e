import { inspect } from 'node:util';
import { transferSyntaxName } from './uid.constants.js';
import type { NaturalDataset } from './reader/dcmjs.adapter.js';

export type { NaturalDataset } from './reader/dcmjs.adapter.js';

/** One fragment of encapsulated Pixel Data (PS3.5 A.4); `bytes` is a view on the input. */
export interface PixelFragment {
  bytes: Uint8Array;
  /** Offset of the fragment's item tag from the first fragment item (what offset tables count). */
  itemOffset: number;
}

/**
 * The top-level Pixel Data, kept out of the dcmjs dataset. Views share memory with the bytes given to
 * readDicom (or with the inflated dataset): do not mutate the input while the dataset is in use.
 */
export type PixelDataRef =
  | { encapsulated: false; bytes: Uint8Array; vr: string; littleEndian: boolean }
  | { encapsulated: true; offsetTable: readonly number[]; fragments: readonly PixelFragment[] };

export interface DatasetEncoding {
  /** The input had a Part-10 'DICM' header (false for a bare dataset). */
  part10: boolean;
  deflated: boolean;
  littleEndian: boolean;
  explicitVr: boolean;
}

/**
 * A read DICOM object: the dcmjs naturalized dataset (keyword -> value, without the top-level
 * PixelData value), its File Meta Information and the transfer syntax, plus the pixel data as views.
 * Strings in `elements` are decoded Unicode; `elements.SpecificCharacterSet` is the file's own value
 * (what the text was encoded in), which writeDicom encodes text in again.
 * `elements` holds PHI (patient name, IDs): never log it. `toJSON` and `util.inspect` are PHI-free
 * so an accidental `console.log(ds)` leaks nothing.
 */
export class DicomDataset {
  constructor(
    readonly elements: Readonly<NaturalDataset>,
    readonly meta: Readonly<NaturalDataset>,
    readonly transferSyntaxUid: string,
    readonly pixelData: PixelDataRef | null,
    readonly encoding: DatasetEncoding,
  ) {}

  get transferSyntaxName(): string {
    return transferSyntaxName(this.transferSyntaxUid);
  }

  has(keyword: string): boolean {
    const v = this.elements[keyword];
    return v !== undefined && v !== null && v !== '';
  }

  /** First value as a string (numbers are formatted), or undefined when absent or empty. */
  string(keyword: string): string | undefined {
    const v = first(this.elements[keyword]);
    if (typeof v === 'string') return v.trim() === '' ? undefined : v.trim();
    if (typeof v === 'number') return String(v);
    return undefined;
  }

  /** First value as a finite number (dcmjs reads DS/IS as numbers; numeric strings are parsed). */
  number(keyword: string): number | undefined {
    return toNumber(first(this.elements[keyword]));
  }

  /** All values as finite numbers (non-numeric values dropped). */
  numbers(keyword: string): number[] {
    const v = this.elements[keyword];
    const list = Array.isArray(v) ? v : v === undefined || v === null ? [] : [v];
    return list.map(toNumber).filter((n): n is number => n !== undefined);
  }

  toJSON(): Record<string, unknown> {
    return {
      transferSyntaxUid: this.transferSyntaxUid,
      attributes: Object.keys(this.elements).length,
      pixelData: this.pixelData ? (this.pixelData.encapsulated ? 'encapsulated' : 'native') : null,
    };
  }

  [inspect.custom](): string {
    return `DicomDataset ${JSON.stringify(this.toJSON())}`;
  }
}

function first(v: unknown): unknown {
  return Array.isArray(v) ? v[0] : v;
}

function toNumber(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
}
