import { dcmjs, type DenaturalDataset, type NaturalDataset } from './dcmjs.adapter.js';
import { LONG_VRS, type ByteSyntax } from './element.scanner.js';

/**
 * Fast path of readDicom's header-only read (`only`): decodes the kept top-level elements and the
 * File Meta elements straight from their bytes into exactly what dcmjs would produce, so the small
 * Part-10 stream need not be rebuilt and parsed (dcmjs was ~0.4 ms of ~4 ms gateway CPU per instance).
 *
 * It mirrors dcmjs 0.52 `DicomMessage._readTag` (each VR's readBytes, applyFormatting and dropPadByte,
 * the backslash split, empty binary values read as [0]) and builds dcmjs's tag-keyed dict, which
 * dcmjs's own `naturalizeDataset` then turns into the natural dataset (names, `_vrMap`, 1-value
 * arrays as scalars), so that part cannot drift.
 *
 * It returns null, and readDicom falls back to dcmjs, unless every element is plainly simple:
 * - the VR is one of SIMPLE_VRS (implicit VR: dcmjs's dictionary VR, taken exactly: 'xs', 'US or SS',
 *   PN, SQ, text VRs, OW, UN... all fall back); OB is accepted in the File Meta group only;
 * - the value has a defined length, and a binary value is a whole number of values;
 * - string bytes are printable ASCII or NUL: every character set decodes them alike (no ESC, SO/SI
 *   of ISO 2022, no byte >= 0x80), so the charset cannot change the text;
 * - Specific Character Set (0008,0005) is absent or a single term dcmjs decodes with a built-in
 *   decoder (SAFE_CHARSETS): others make dcmjs throw, retry leniently or fail, which stays its call.
 */
export interface SimpleElements {
  elements: NaturalDataset;
  meta: NaturalDataset;
}

/** VRs decoded here; everything else falls back to dcmjs. */
const SIMPLE_VRS = new Set([
  ...['AE', 'AS', 'CS', 'DA', 'DS', 'DT', 'IS', 'LO', 'SH', 'TM', 'UI'],
  ...['US', 'UL', 'SS', 'SL', 'FL', 'FD'],
]);
const BINARY_SIZE: Record<string, number> = { US: 2, SS: 2, UL: 4, SL: 4, FL: 4, FD: 8 };
/** dcmjs's normalized Specific Character Set terms that map to latin1 / utf-8 decoders. */
const SAFE_CHARSETS = new Set([
  '',
  'iso-ir-6',
  'iso-2022-ir-6',
  'iso-ir-100',
  'iso-2022-ir-100',
  'iso-ir-192',
]);
const SPECIFIC_CHARACTER_SET = '00080005';
const EXPLICIT_LE: ByteSyntax = { littleEndian: true, explicitVr: true };

type Entry = { vr: string; Value: unknown[] };

/**
 * `ranges`: [start, end) of each kept top-level element in `body` (Pixel Data excluded);
 * `metaElements`: the File Meta elements dcmjs would read (group length excluded, transfer syntax
 * included), each one whole explicit VR LE element. Null when any element needs dcmjs.
 */
export function readSimpleElements(
  body: Uint8Array,
  ranges: ReadonlyArray<readonly [number, number]>,
  syntax: ByteSyntax,
  metaElements: readonly Uint8Array[],
): SimpleElements | null {
  const dict: DenaturalDataset = {};
  for (const [start, end] of ranges) {
    if (!readElement(body, start, end, syntax, dict, false)) return null;
  }
  const metaDict: DenaturalDataset = {};
  for (const e of metaElements) {
    if (!readElement(e, 0, e.length, EXPLICIT_LE, metaDict, true)) return null;
  }
  const naturalize = dcmjs.data.DicomMetaDictionary.naturalizeDataset;
  return { elements: naturalize(dict), meta: naturalize(metaDict) };
}

/** Decodes the element at [start, end) into `dict` (as dcmjs's `_read` does); false: fall back. */
function readElement(
  bytes: Uint8Array,
  start: number,
  end: number,
  syntax: ByteSyntax,
  dict: DenaturalDataset,
  meta: boolean,
): boolean {
  if (end - start < 8) return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset + start, end - start);
  const le = syntax.littleEndian;
  const tag = (view.getUint16(0, le) * 0x10000 + view.getUint16(2, le))
    .toString(16)
    .toUpperCase()
    .padStart(8, '0');
  let vr: string | undefined;
  let valueStart = 8;
  let length: number;
  if (!syntax.explicitVr) {
    vr = dcmjs.data.DicomMetaDictionary.dictionary[`(${tag.slice(0, 4)},${tag.slice(4)})`]?.vr;
    length = view.getUint32(4, le);
  } else {
    vr = String.fromCharCode(view.getUint8(4), view.getUint8(5));
    if (LONG_VRS.has(vr)) {
      if (view.byteLength < 12) return false;
      valueStart = 12;
      length = view.getUint32(8, le);
    } else {
      length = view.getUint16(6, le);
    }
  }
  if (vr === undefined || valueStart + length !== view.byteLength) return false;
  const value = bytes.subarray(start + valueStart, end);
  let values: unknown[] | null;
  if (vr === 'OB' && meta) values = [value.slice().buffer];
  else if (!SIMPLE_VRS.has(vr)) values = null;
  else if (vr in BINARY_SIZE) values = binaryValues(vr, view, valueStart, length, le);
  else values = stringValues(vr, value);
  if (values === null) return false;
  if (tag === SPECIFIC_CHARACTER_SET) {
    // As dcmjs picks its decoder (its value, 'ISO_IR 192' there, is replaced by readDicom anyway).
    const coding = vr === 'CS' && values.length === 1 ? String(values[0]) : undefined;
    if (coding === undefined || !SAFE_CHARSETS.has(coding.replace(/[_ ]/g, '-').toLowerCase())) return false;
  }
  dict[tag] = { vr, Value: values } satisfies Entry;
  return true;
}

/** US/SS/UL/SL/FL/FD: each value in turn; an empty value reads as [0] (dcmjs's default value). */
function binaryValues(vr: string, view: DataView, at: number, length: number, le: boolean): unknown[] | null {
  const size = BINARY_SIZE[vr];
  if (length === 0) return [0];
  if (length % size !== 0) return null; // dcmjs would read past the value
  const values: number[] = [];
  for (let p = at; p < at + length; p += size) {
    if (vr === 'US') values.push(view.getUint16(p, le));
    else if (vr === 'SS') values.push(view.getInt16(p, le));
    else if (vr === 'UL') values.push(view.getUint32(p, le));
    else if (vr === 'SL') values.push(view.getInt32(p, le));
    else if (vr === 'FL') values.push(view.getFloat32(p, le));
    else values.push(view.getFloat64(p, le));
  }
  return values;
}

/** String VRs, formatted per VR exactly as dcmjs does (note the different trimming rules). */
function stringValues(vr: string, value: Uint8Array): unknown[] | null {
  let text = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c !== 0 && (c < 0x20 || c > 0x7e)) return null;
    text += String.fromCharCode(c);
  }
  switch (vr) {
    case 'AE':
    case 'LO':
    case 'SH':
      return dropPadByte(text.trim().split('\\'));
    case 'TM':
      return dropPadByte(text.replace(/\s*$/g, '').split('\\'));
    case 'AS':
    case 'DA':
    case 'DT':
      return dropPadByte(text.split('\\'));
    case 'CS':
      return dropPadByte(text.split('\\')).map((s) => s.trim());
    case 'DS':
      return dropPadByte(text.split('\\')).map(decimal);
    case 'IS':
      return dropPadByte(text.split('\\')).map(integer);
    case 'UI': // only digits and dots are kept (dcmjs also drops the NUL pad, which this removes anyway)
      return text.split('\\').map((s) => s.replace(/[^0-9.]/g, ''));
    default:
      return null;
  }
}

/** dcmjs dropPadByte: of several values, an odd-length last one loses a trailing space. */
function dropPadByte(values: string[]): string[] {
  const last = values.length - 1;
  if (last > 0 && values[last].length % 2 !== 0 && values[last].endsWith(' ')) {
    values[last] = values[last].slice(0, -1);
  }
  return values;
}

function decimal(s: string): number | null {
  const cleaned = s.trim().replace(/[^0-9.\\\-+e]/gi, '');
  return cleaned === '' ? null : finite(cleaned);
}

function integer(s: string): number | null {
  const trimmed = s.trim();
  return /^[+-]?\d+$/.test(trimmed) ? finite(trimmed) : null;
}

function finite(s: string): number | null {
  const n = Number(s);
  return Number.isFinite(n) ? n : null;
}
