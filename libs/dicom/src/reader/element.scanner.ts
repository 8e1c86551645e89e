import { DicomErrorCode, dicomError } from '../dicom.errors.js';
import { dictionaryVr } from './dcmjs.adapter.js';

/**
 * A structural pre-scan of a dataset before dcmjs sees it. dcmjs trusts declared lengths (it may
 * throw random TypeErrors, allocate what a corrupt length asks for, or spin in its binary-VR loop),
 * so every length, item and delimiter is checked here against its container first. Every step
 * advances at least 8 bytes and nesting is capped, so the scan always terminates.
 *
 * It also locates the top-level Pixel Data (7FE0,0010): readDicom hands dcmjs the dataset without it
 * and keeps the pixel bytes as views (no copy, and dcmjs's fragment grouping is not relied upon).
 */
export interface ByteSyntax {
  littleEndian: boolean;
  explicitVr: boolean;
}

export interface FragmentLocation {
  /** Offset of the fragment value in the scanned bytes. */
  offset: number;
  length: number;
  /** Offset of the fragment's item tag from the first item after the Basic Offset Table (PS3.5 A.4). */
  itemOffset: number;
}

export type PixelDataLocation =
  | {
      encapsulated: false;
      elementStart: number;
      elementEnd: number;
      valueOffset: number;
      length: number;
      vr: string;
    }
  | {
      encapsulated: true;
      elementStart: number;
      elementEnd: number;
      offsetTable: number[];
      fragments: FragmentLocation[];
    };

export interface DatasetScan {
  pixelData: PixelDataLocation | null;
  topLevelCount: number;
  /** Top-level tags were not in ascending order (a hint that "bare dataset" bytes are garbage). */
  outOfOrder: boolean;
  /** End of the last element (trailing zero padding excluded). */
  end: number;
  /** Value bytes of the top-level Specific Character Set (0008,0005), as stored; null when absent. */
  specificCharacterSet: Uint8Array | null;
  /** [start, end) of each top-level element whose tag is in the scanner's `keep` set, in order. */
  kept: Array<[number, number]>;
}

const UNDEFINED_LENGTH = 0xffffffff;
const MAX_DEPTH = 24;
const ITEM = 0xfffee000;
const ITEM_DELIMITER = 0xfffee00d;
const SEQUENCE_DELIMITER = 0xfffee0dd;
const PIXEL_DATA = 0x7fe00010;
const SPECIFIC_CHARACTER_SET = 0x00080005;

/** VRs with a 2-byte reserved field and a 4-byte length in explicit VR (PS3.5 7.1.2). */
export const LONG_VRS = new Set([
  'OB',
  'OD',
  'OF',
  'OL',
  'OV',
  'OW',
  'SQ',
  'UC',
  'UN',
  'UR',
  'UT',
  'SV',
  'UV',
]);
export const ALL_VRS = new Set([
  ...LONG_VRS,
  ...['AE', 'AS', 'AT', 'CS', 'DA', 'DS', 'DT', 'FL', 'FD', 'IS', 'LO', 'LT', 'PN', 'SH', 'SL', 'SS'],
  ...['ST', 'TM', 'UI', 'UL', 'US'],
]);

export class DatasetScanner {
  private readonly view: DataView;
  private pixelData: PixelDataLocation | null = null;
  /** Top-level elements read successfully so far; readable after a throw (bare-dataset heuristic). */
  topLevelCount = 0;
  private outOfOrder = false;
  private specificCharacterSet: Uint8Array | null = null;
  private readonly kept: Array<[number, number]> = [];

  constructor(
    private readonly bytes: Uint8Array,
    private syntax: ByteSyntax,
    /** Top-level tags (group << 16 | element) whose element ranges `scan()` reports in `kept`. */
    private readonly keep?: ReadonlySet<number>,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  scan(): DatasetScan {
    const end = this.walk(0, this.bytes.length, 0, true, false);
    return {
      pixelData: this.pixelData,
      topLevelCount: this.topLevelCount,
      outOfOrder: this.outOfOrder,
      end,
      specificCharacterSet: this.specificCharacterSet,
      kept: this.kept,
    };
  }

  private u16(pos: number): number {
    return this.view.getUint16(pos, this.syntax.littleEndian);
  }

  private u32(pos: number): number {
    return this.view.getUint32(pos, this.syntax.littleEndian);
  }

  private tag(pos: number): number {
    return ((this.u16(pos) << 16) | this.u16(pos + 2)) >>> 0;
  }

  /** Walks elements in [pos, end); with `inItem` stops after an Item Delimitation Item. */
  private walk(pos: number, end: number, depth: number, top: boolean, inItem: boolean): number {
    let previous = -1;
    while (pos < end) {
      this.need(pos, 8, end, 'element header');
      const tag = this.tag(pos);
      if (tag === ITEM_DELIMITER && inItem) return pos + 8;
      if (top && this.zeroTail(pos, end)) return pos; // trailing zero padding after the dataset
      if (tag >>> 16 === 0xfffe) {
        throw this.error(DicomErrorCode.MALFORMED, `unexpected delimiter/item tag at offset ${pos}`, pos);
      }
      const { vr, headerLength, length } = this.header(pos, end, tag);
      const valueStart = pos + headerLength;
      const elementStart = pos;
      if (length === UNDEFINED_LENGTH) {
        if (top && tag === PIXEL_DATA) {
          pos = this.encapsulated(elementStart, valueStart, end);
        } else if (vr === 'UN' && this.syntax.explicitVr) {
          pos = this.unknownSequence(valueStart, end, depth + 1);
        } else if (vr === 'SQ' || !this.syntax.explicitVr) {
          pos = this.sequence(valueStart, end, depth + 1, false);
        } else {
          throw this.error(DicomErrorCode.MALFORMED, `undefined length on VR ${vr} at offset ${pos}`, pos);
        }
      } else {
        this.fits(elementStart, valueStart, length, end);
        if (vr === 'SQ') this.sequence(valueStart, valueStart + length, depth + 1, true);
        if (top && tag === SPECIFIC_CHARACTER_SET) {
          this.specificCharacterSet = this.bytes.subarray(valueStart, valueStart + length);
        }
        if (top && tag === PIXEL_DATA) {
          const elementEnd = valueStart + length;
          this.pixelData = {
            encapsulated: false,
            elementStart,
            elementEnd,
            valueOffset: valueStart,
            length,
            vr,
          };
        }
        pos = valueStart + length;
      }
      if (top) {
        if (this.keep?.has(tag)) this.kept.push([elementStart, pos]);
        if (tag <= previous) this.outOfOrder = true;
        previous = tag;
        this.topLevelCount++;
      }
    }
    if (inItem) this.missingDelimiter(end, 'item');
    return pos;
  }

  private header(
    pos: number,
    end: number,
    tag: number,
  ): { vr: string; headerLength: number; length: number } {
    if (!this.syntax.explicitVr) {
      const group = tag >>> 16;
      const vr = tag === PIXEL_DATA ? 'OW' : (dictionaryVr(group, tag & 0xffff) ?? 'UN');
      return { vr, headerLength: 8, length: this.u32(pos + 4) };
    }
    const vr = String.fromCharCode(this.bytes[pos + 4], this.bytes[pos + 5]);
    if (!ALL_VRS.has(vr)) {
      throw this.error(DicomErrorCode.MALFORMED, `invalid VR at offset ${pos + 4}`, pos);
    }
    if (LONG_VRS.has(vr)) {
      this.need(pos, 12, end, 'element header');
      return { vr, headerLength: 12, length: this.u32(pos + 8) };
    }
    return { vr, headerLength: 8, length: this.u16(pos + 6) };
  }

  /** UN of undefined length holds a sequence encoded in implicit VR little endian (PS3.5 6.2.2). */
  private unknownSequence(pos: number, end: number, depth: number): number {
    const saved = this.syntax;
    this.syntax = { littleEndian: true, explicitVr: false };
    try {
      return this.sequence(pos, end, depth, false);
    } finally {
      this.syntax = saved;
    }
  }

  /** Items of a sequence in [pos, end); returns the offset after it (after its delimiter if undefined). */
  private sequence(pos: number, end: number, depth: number, definedLength: boolean): number {
    if (depth > MAX_DEPTH) {
      throw this.error(DicomErrorCode.MALFORMED, `sequences nested deeper than ${MAX_DEPTH}`, pos);
    }
    while (pos < end) {
      this.need(pos, 8, end, 'item header');
      const tag = this.tag(pos);
      if (tag === SEQUENCE_DELIMITER) return pos + 8;
      if (tag !== ITEM)
        throw this.error(DicomErrorCode.MALFORMED, `expected an item tag at offset ${pos}`, pos);
      const length = this.u32(pos + 4);
      const itemStart = pos + 8;
      if (length === UNDEFINED_LENGTH) {
        pos = this.walk(itemStart, end, depth + 1, false, true);
      } else {
        this.fits(pos, itemStart, length, end);
        this.walk(itemStart, itemStart + length, depth + 1, false, false);
        pos = itemStart + length;
      }
    }
    if (!definedLength) this.missingDelimiter(end, 'sequence');
    return pos;
  }

  /** Encapsulated Pixel Data (PS3.5 A.4): Basic Offset Table item, fragment items, delimiter. */
  private encapsulated(elementStart: number, pos: number, end: number): number {
    this.need(pos, 8, end, 'basic offset table');
    if (this.tag(pos) !== ITEM) {
      throw this.error(DicomErrorCode.MALFORMED, 'encapsulated pixel data does not start with an item', pos);
    }
    const tableLength = this.u32(pos + 4);
    this.fits(pos, pos + 8, tableLength, end);
    if (tableLength % 4 !== 0) {
      throw this.error(DicomErrorCode.MALFORMED, 'basic offset table length is not a multiple of 4', pos);
    }
    const offsetTable: number[] = [];
    for (let p = pos + 8; p < pos + 8 + tableLength; p += 4) offsetTable.push(this.u32(p));
    pos += 8 + tableLength;
    const firstItem = pos;
    const fragments: FragmentLocation[] = [];
    for (;;) {
      if (pos >= end) this.missingDelimiter(end, 'pixel data fragment sequence');
      this.need(pos, 8, end, 'fragment header');
      const tag = this.tag(pos);
      if (tag === SEQUENCE_DELIMITER) break;
      if (tag !== ITEM)
        throw this.error(DicomErrorCode.MALFORMED, `expected a fragment item at offset ${pos}`, pos);
      const length = this.u32(pos + 4);
      this.fits(pos, pos + 8, length, end);
      fragments.push({ offset: pos + 8, length, itemOffset: pos - firstItem });
      pos += 8 + length;
    }
    const elementEnd = pos + 8;
    this.pixelData = { encapsulated: true, elementStart, elementEnd, offsetTable, fragments };
    return elementEnd;
  }

  /** `count` bytes must be available at `pos` before `end`. */
  private need(pos: number, count: number, end: number, what: string): void {
    if (pos + count <= end) return;
    const code = end === this.bytes.length ? DicomErrorCode.TRUNCATED : DicomErrorCode.INVALID_LENGTH;
    const why = code === DicomErrorCode.TRUNCATED ? 'input ends inside' : 'container ends inside';
    throw this.error(code, `${why} an ${what} at offset ${pos}`, pos);
  }

  /** A value of `length` bytes at `valueStart` must fit before `end`. */
  private fits(at: number, valueStart: number, length: number, end: number): void {
    if (valueStart + length <= end) return;
    // Past the end of the input with a plausible length (even, < 2 GiB) is a truncated file; an odd or
    // huge length, or one past its container, is a corrupt length.
    const truncated = end === this.bytes.length && isPlausibleLength(length);
    const code = truncated ? DicomErrorCode.TRUNCATED : DicomErrorCode.INVALID_LENGTH;
    const message = truncated
      ? `input ends inside the value at offset ${at} (declares ${length} bytes, ${end - valueStart} left)`
      : `length ${length} at offset ${at} does not fit its container (${Math.max(0, end - valueStart)} bytes left)`;
    throw this.error(code, message, at);
  }

  private missingDelimiter(end: number, what: string): never {
    const code = end === this.bytes.length ? DicomErrorCode.TRUNCATED : DicomErrorCode.INVALID_LENGTH;
    throw this.error(code, `${what} of undefined length has no delimiter before offset ${end}`, end);
  }

  private zeroTail(pos: number, end: number): boolean {
    if (this.view.getUint32(pos) !== 0) return false;
    for (let i = pos; i < end; i++) if (this.bytes[i] !== 0) return false;
    return true;
  }

  private error(code: DicomErrorCode, message: string, offset: number) {
    return dicomError(code, `DICOM dataset: ${message}`, { offset });
  }
}

/** DICOM value lengths are even (PS3.5 7.1.1); anything from 2 GiB up is not a real file. */
export function isPlausibleLength(length: number): boolean {
  return length % 2 === 0 && length < 0x80000000;
}

export function scanDataset(bytes: Uint8Array, syntax: ByteSyntax): DatasetScan {
  return new DatasetScanner(bytes, syntax).scan();
}
