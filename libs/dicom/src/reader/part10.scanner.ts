import { DicomErrorCode, dicomError } from '../dicom.errors.js';
import { TransferSyntax } from '../uid.constants.js';
import { ALL_VRS, isPlausibleLength, LONG_VRS, type ByteSyntax } from './element.scanner.js';

/**
 * Part-10 framing (PS3.10 7.1): 128-byte preamble, 'DICM', then File Meta Information (group 0002,
 * always explicit VR little endian). The meta group is walked element by element (its group length
 * is only cross-checked), and each element's raw bytes are kept so readDicom can rebuild a
 * consistent header for dcmjs.
 */
export interface MetaScan {
  /** Raw bytes of each group-0002 element except the group length (0002,0000). */
  elements: Uint8Array[];
  transferSyntaxUid: string | undefined;
  /** Offset of the first dataset byte after the meta group. */
  datasetOffset: number;
}

const TS_TAG_ELEMENT = 0x0010;

/** Start of the meta group: 132 for a normal file, 4 for 'DICM' without preamble, null if no marker. */
export function findMetaStart(bytes: Uint8Array): number | null {
  if (bytes.length >= 132 && isDicm(bytes, 128)) return 132;
  if (bytes.length >= 4 && isDicm(bytes, 0)) return 4;
  return null;
}

function isDicm(b: Uint8Array, at: number): boolean {
  return b[at] === 0x44 && b[at + 1] === 0x49 && b[at + 2] === 0x43 && b[at + 3] === 0x4d;
}

export function scanMeta(bytes: Uint8Array, start: number): MetaScan {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const elements: Uint8Array[] = [];
  let transferSyntaxUid: string | undefined;
  let groupEnd: number | undefined;
  let pos = start;
  while (pos + 8 <= bytes.length && view.getUint16(pos, true) === 0x0002) {
    const element = view.getUint16(pos + 2, true);
    const vr = String.fromCharCode(bytes[pos + 4], bytes[pos + 5]);
    if (!ALL_VRS.has(vr)) {
      throw dicomError(DicomErrorCode.MALFORMED, `File Meta Information: invalid VR at offset ${pos + 4}`, {
        offset: pos,
      });
    }
    const long = LONG_VRS.has(vr);
    if (long && pos + 12 > bytes.length) break;
    const length = long ? view.getUint32(pos + 8, true) : view.getUint16(pos + 6, true);
    const valueStart = pos + (long ? 12 : 8);
    if (length === 0xffffffff) {
      throw dicomError(DicomErrorCode.MALFORMED, 'File Meta Information: undefined length', { offset: pos });
    }
    if (valueStart + length > bytes.length) {
      const code = isPlausibleLength(length) ? DicomErrorCode.TRUNCATED : DicomErrorCode.INVALID_LENGTH;
      throw dicomError(code, `File Meta Information: value at offset ${pos} runs past the end of the input`, {
        offset: pos,
      });
    }
    const value = bytes.subarray(valueStart, valueStart + length);
    if (element === 0x0000 && length === 4) {
      groupEnd = valueStart + 4 + view.getUint32(valueStart, true);
    } else {
      if (element === TS_TAG_ELEMENT) transferSyntaxUid = asciiUid(value);
      elements.push(bytes.subarray(pos, valueStart + length));
    }
    pos = valueStart + length;
  }
  if (groupEnd !== undefined && groupEnd > bytes.length) {
    throw dicomError(DicomErrorCode.TRUNCATED, 'File Meta Information: input ends inside the meta group', {
      offset: pos,
    });
  }
  if (pos + 8 > bytes.length && pos < bytes.length) {
    throw dicomError(DicomErrorCode.TRUNCATED, 'input ends inside an element header after the meta group', {
      offset: pos,
    });
  }
  return { elements, transferSyntaxUid, datasetOffset: pos };
}

/** UI values are ASCII padded with NUL (or, wrongly but commonly, space). */
export function asciiUid(value: Uint8Array): string {
  let s = '';
  for (const c of value) s += String.fromCharCode(c);
  return s.replace(/[\0 ]+$/, '').trim();
}

/** Byte-level encoding of the dataset for a transfer syntax: compressed ones are explicit VR LE. */
export function byteSyntaxOf(transferSyntaxUid: string): ByteSyntax {
  if (transferSyntaxUid === TransferSyntax.ImplicitVRLittleEndian)
    return { littleEndian: true, explicitVr: false };
  if (transferSyntaxUid === TransferSyntax.ExplicitVRBigEndian)
    return { littleEndian: false, explicitVr: true };
  return { littleEndian: true, explicitVr: true };
}

/**
 * Guesses the encoding of a dataset without meta: little endian, explicit VR when bytes 4-5 of the
 * first element are a VR (an implicit-VR length whose low bytes spell a VR would be absurd), else
 * implicit. Returns null when the first tag cannot start a dataset (odd or zero group, or beyond
 * Pixel Data's group), which is how random bytes and text files are rejected cheaply.
 */
export function guessBareSyntax(bytes: Uint8Array): string | null {
  if (bytes.length < 8) return null;
  const group = bytes[0] | (bytes[1] << 8);
  if (group === 0 || group % 2 !== 0 || group > 0x7fe0) return null;
  const vr = String.fromCharCode(bytes[4], bytes[5]);
  return ALL_VRS.has(vr) ? TransferSyntax.ExplicitVRLittleEndian : TransferSyntax.ImplicitVRLittleEndian;
}

/** Explicit VR LE element bytes (tag, VR, length, value padded to even length). */
export function encodeElement(group: number, element: number, vr: string, value: Uint8Array): Uint8Array {
  const padded =
    value.length % 2 === 0 ? value : concatBytes([value, new Uint8Array([vr === 'UI' ? 0 : 0x20])]);
  const long = LONG_VRS.has(vr);
  const header = new Uint8Array(long ? 12 : 8);
  const view = new DataView(header.buffer);
  view.setUint16(0, group, true);
  view.setUint16(2, element, true);
  header[4] = vr.charCodeAt(0);
  header[5] = vr.charCodeAt(1);
  if (long) view.setUint32(8, padded.length, true);
  else view.setUint16(6, padded.length, true);
  return concatBytes([header, padded]);
}

/**
 * The meta elements of a rebuilt header (group length excluded): the raw ones with the transfer
 * syntax replaced by `transferSyntaxUid`, in tag order.
 */
export function part10MetaElements(metaElements: Uint8Array[], transferSyntaxUid: string): Uint8Array[] {
  const ts = encodeElement(0x0002, TS_TAG_ELEMENT, 'UI', new TextEncoder().encode(transferSyntaxUid));
  const others = metaElements.filter((e) => !(e[0] === 0x02 && e[1] === 0 && e[2] === 0x10 && e[3] === 0));
  return [...others, ts].sort(compareTags);
}

/**
 * A Part-10 byte stream from meta elements (raw, without group length and transfer syntax) and
 * dataset parts; the group length is recomputed so the header is self-consistent.
 */
export function buildPart10(
  metaElements: Uint8Array[],
  transferSyntaxUid: string,
  body: Uint8Array[],
): Uint8Array {
  const meta = part10MetaElements(metaElements, transferSyntaxUid);
  const metaLength = meta.reduce((n, e) => n + e.length, 0);
  const groupLength = new Uint8Array(4);
  new DataView(groupLength.buffer).setUint32(0, metaLength, true);
  const preamble = new Uint8Array(132);
  preamble.set([0x44, 0x49, 0x43, 0x4d], 128);
  return concatBytes([preamble, encodeElement(0x0002, 0x0000, 'UL', groupLength), ...meta, ...body]);
}

function compareTags(a: Uint8Array, b: Uint8Array): number {
  const ta = (a[2] | (a[3] << 8)) >>> 0;
  const tb = (b[2] | (b[3] << 8)) >>> 0;
  return ta - tb;
}

export function concatBytes(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
