import { DicomErrorCode, dicomError } from '../dicom.errors.js';
import { dictionaryVr } from '../reader/dcmjs.adapter.js';

/**
 * Specific Character Set (0008,0005, PS3.3 C.12.1.1.2) support shared by the reader and the writer.
 * dcmjs decodes text to JS strings and writes every text value as UTF-8; for a single-byte set the
 * written text elements are re-encoded here so the bytes match the declared repertoire. Only the
 * defined terms below are encodable; ISO 2022 code extensions and multi-byte sets are not.
 */
const SINGLE_BYTE_LABELS: Record<string, string> = {
  'ISO_IR 100': 'latin1',
  'ISO_IR 101': 'iso-8859-2',
  'ISO_IR 109': 'iso-8859-3',
  'ISO_IR 110': 'iso-8859-4',
  'ISO_IR 144': 'iso-8859-5',
  'ISO_IR 127': 'iso-8859-6',
  'ISO_IR 126': 'iso-8859-7',
  'ISO_IR 138': 'iso-8859-8',
  'ISO_IR 148': 'iso-8859-9',
  'ISO_IR 203': 'iso-8859-15',
  'ISO_IR 166': 'windows-874',
};

/** The term for UTF-8 (Unicode in UTF-8, PS3.3 C.12.1.1.2). */
export const UTF8_TERM = 'ISO_IR 192';

/** VRs whose values use the Specific Character Set (PS3.5 6.1.2.3). */
const TEXT_VRS = new Set(['SH', 'LO', 'ST', 'LT', 'UT', 'PN', 'UC']);
const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);

const UNDEFINED_LENGTH = 0xffffffff;
const ITEM = 0xfffee000;
const ITEM_DELIMITER = 0xfffee00d;
const SEQUENCE_DELIMITER = 0xfffee0dd;
const MAX_DEPTH = 64;

type Encoder = (text: string) => Uint8Array | null;

/** The value of (0008,0005) as one string (multi-valued terms joined by '\'). */
export function charsetTerm(value: unknown): string {
  if (Array.isArray(value)) return value.map((v) => String(v ?? '')).join('\\');
  return typeof value === 'string' ? value : '';
}

/**
 * The (0008,0005) value as stored in the file (ASCII, PS3.5 6.2 CS): one string, or an array when
 * multi-valued (an empty first value of an ISO 2022 set is kept as ''); undefined when empty.
 */
export function parseCharsetValue(bytes: Uint8Array): string | string[] | undefined {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  const values = s
    .replace(/[\0 ]+$/, '')
    .split('\\')
    .map((v) => v.trim());
  if (values.length === 1) return values[0] === '' ? undefined : values[0];
  return values;
}

/** An encoder for the term, 'utf8' (ISO_IR 192), 'ascii' (default repertoire) or null (unsupported). */
function encoderFor(term: string): Encoder | 'utf8' | 'ascii' | null {
  const t = term.trim();
  if (t === UTF8_TERM) return 'utf8';
  if (t === '' || t === 'ISO_IR 6') return 'ascii';
  const label = SINGLE_BYTE_LABELS[t];
  if (!label) return null;
  if (label === 'latin1') {
    return (text) => {
      const out = new Uint8Array(text.length);
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (c > 0xff) return null;
        out[i] = c;
      }
      return out;
    };
  }
  // Invert the WHATWG decoder's table for bytes 0xA0..0xFF (the G1 half these sets define).
  const decoder = new TextDecoder(label);
  const table = new Map<string, number>();
  for (let b = 0xa0; b <= 0xff; b++) table.set(decoder.decode(new Uint8Array([b])), b);
  return (text) => {
    const out: number[] = [];
    for (const ch of text) {
      const c = ch.codePointAt(0) ?? 0;
      if (c < 0x80) out.push(c);
      else if (table.has(ch)) out.push(table.get(ch) as number);
      else return null;
    }
    return Uint8Array.from(out);
  };
}

/**
 * Decides how the text is written: the copied term when every string fits it, otherwise
 * 'ISO_IR 192' (UTF-8), because a term that cannot hold the text would corrupt it. Returns the term
 * to put in (0008,0005) (undefined = leave absent, plain ASCII).
 */
export function chooseCharset(term: string, texts: string[]): string | undefined {
  const enc = encoderFor(term);
  const ascii = texts.every(isAscii);
  if (enc === 'utf8') return UTF8_TERM;
  if (enc === 'ascii') return ascii ? term.trim() || undefined : UTF8_TERM;
  if (enc === null) return UTF8_TERM;
  return texts.every((s) => enc(s) !== null) ? term.trim() : UTF8_TERM;
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

export interface TextByteSyntax {
  littleEndian: boolean;
  explicitVr: boolean;
}

/**
 * Re-encodes the text elements (SH, LO, ST, LT, UT, PN, UC) of a dataset written by dcmjs (UTF-8
 * text) into `term`, at every nesting level; defined item/sequence lengths are recomputed. Returns
 * the new dataset bytes, the input unchanged when no re-encoding is needed (ISO_IR 192; or an
 * unencodable term / the default repertoire with pure-ASCII text), or null when some text value
 * cannot be represented in `term` (the caller then writes UTF-8 labelled ISO_IR 192). In implicit
 * VR, elements unknown to the dictionary (private) are copied as they are.
 */
export function encodeDatasetText(
  body: Uint8Array,
  syntax: TextByteSyntax,
  term: string | undefined,
): Uint8Array | null {
  const enc = encoderFor(term ?? '');
  if (enc === 'utf8') return body;
  const utf8 = new TextDecoder('utf-8');
  let changed = false;
  const encodeValue = (value: Uint8Array): Uint8Array | null => {
    if (value.every((b) => b < 0x80)) return value;
    if (enc === 'ascii' || enc === null) return null;
    let end = value.length;
    while (end > 0 && value[end - 1] === 0x20) end--;
    const encoded = enc(utf8.decode(value.subarray(0, end)));
    if (!encoded) return null;
    changed = true;
    return encoded.length % 2 ? concat([encoded, new Uint8Array([0x20])]) : encoded;
  };
  const out = new TextTranscoder(body, syntax, encodeValue).run();
  if (out === null) return null;
  return changed ? out : body;
}

/**
 * Re-encodes every text element of an explicit VR little endian Part-10 stream written by dcmjs into
 * the single-byte term's bytes. For ISO_IR 192 or ASCII the input is returned unchanged; text that
 * does not fit the term is a WRITE_FAILED error.
 */
export function transcodeText(part10: Uint8Array, term: string | undefined): Uint8Array {
  const enc = encoderFor(term ?? '');
  if (enc === 'utf8' || enc === 'ascii') return part10;
  if (enc === null) throw dicomError(DicomErrorCode.WRITE_FAILED, 'Unsupported Specific Character Set');
  const view = new DataView(part10.buffer, part10.byteOffset, part10.byteLength);
  const metaLength = view.getUint32(128 + 4 + 8, true);
  const start = 128 + 4 + 12 + metaLength;
  const body = encodeDatasetText(part10.subarray(start), { littleEndian: true, explicitVr: true }, term);
  if (!body) throw dicomError(DicomErrorCode.WRITE_FAILED, 'Text not representable in the character set');
  return concat([part10.subarray(0, start), body]);
}

/** A structural walk over writer output that rebuilds it with re-encoded text values. */
class TextTranscoder {
  private readonly view: DataView;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly syntax: TextByteSyntax,
    private readonly encode: (value: Uint8Array) => Uint8Array | null,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  run(): Uint8Array | null {
    const out: Uint8Array[] = [];
    const r = this.dataset(0, this.bytes.length, false, 0, out);
    return r === null ? null : concat(out);
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

  private need(pos: number, count: number, end: number): void {
    if (pos + count > end) throw dicomError(DicomErrorCode.WRITE_FAILED, 'Unexpected end of written dataset');
  }

  /** Elements in [pos, end) into `out`; with `inItem` stops after the item delimiter. Returns the end. */
  private dataset(
    pos: number,
    end: number,
    inItem: boolean,
    depth: number,
    out: Uint8Array[],
  ): number | null {
    while (pos < end) {
      this.need(pos, 8, end);
      const tag = this.tag(pos);
      if (tag === ITEM_DELIMITER && inItem) {
        out.push(this.bytes.subarray(pos, pos + 8));
        return pos + 8;
      }
      if (tag >>> 16 === 0xfffe) throw this.unexpected(pos);
      let vr: string;
      let headerLength: number;
      let length: number;
      if (this.syntax.explicitVr) {
        vr = String.fromCharCode(this.bytes[pos + 4], this.bytes[pos + 5]);
        const long = LONG_VRS.has(vr);
        headerLength = long ? 12 : 8;
        this.need(pos, headerLength, end);
        length = long ? this.u32(pos + 8) : this.u16(pos + 6);
      } else {
        headerLength = 8;
        length = this.u32(pos + 4);
        vr = dictionaryVr(tag >>> 16, tag & 0xffff) ?? (length === UNDEFINED_LENGTH ? 'SQ' : 'UN');
      }
      const valueStart = pos + headerLength;
      if (vr === 'SQ' || (length === UNDEFINED_LENGTH && !this.syntax.explicitVr)) {
        const items: Uint8Array[] = [];
        const defined = length !== UNDEFINED_LENGTH;
        const seqEnd = defined ? valueStart + length : end;
        this.need(valueStart, defined ? length : 0, end);
        const after = this.sequence(valueStart, seqEnd, defined, depth + 1, items);
        if (after === null) return null;
        out.push(this.header(pos, headerLength, defined ? total(items) : UNDEFINED_LENGTH), ...items);
        pos = defined ? seqEnd : after;
      } else if (length === UNDEFINED_LENGTH) {
        // Encapsulated pixel data: fragment items copied up to the sequence delimiter.
        let p = valueStart;
        for (;;) {
          this.need(p, 8, end);
          const t = this.tag(p);
          if (t === SEQUENCE_DELIMITER) break;
          if (t !== ITEM) throw this.unexpected(p);
          p += 8 + this.u32(p + 4);
        }
        out.push(this.bytes.subarray(pos, p + 8));
        pos = p + 8;
      } else {
        this.need(valueStart, length, end);
        const value = this.bytes.subarray(valueStart, valueStart + length);
        if (TEXT_VRS.has(vr)) {
          const encoded = this.encode(value);
          if (encoded === null) return null;
          if (encoded === value) out.push(this.bytes.subarray(pos, valueStart + length));
          else out.push(this.header(pos, headerLength, encoded.length), encoded);
        } else {
          out.push(this.bytes.subarray(pos, valueStart + length));
        }
        pos = valueStart + length;
      }
    }
    if (inItem) throw dicomError(DicomErrorCode.WRITE_FAILED, 'Item without delimiter in written dataset');
    return pos;
  }

  private sequence(
    pos: number,
    end: number,
    defined: boolean,
    depth: number,
    out: Uint8Array[],
  ): number | null {
    if (depth > MAX_DEPTH) throw dicomError(DicomErrorCode.WRITE_FAILED, 'Sequences nested too deep');
    while (pos < end) {
      this.need(pos, 8, end);
      const tag = this.tag(pos);
      if (tag === SEQUENCE_DELIMITER) {
        out.push(this.bytes.subarray(pos, pos + 8));
        return pos + 8;
      }
      if (tag !== ITEM) throw this.unexpected(pos);
      const length = this.u32(pos + 4);
      const content: Uint8Array[] = [];
      if (length === UNDEFINED_LENGTH) {
        const after = this.dataset(pos + 8, end, true, depth + 1, content);
        if (after === null) return null;
        out.push(this.bytes.subarray(pos, pos + 8), ...content);
        pos = after;
      } else {
        this.need(pos + 8, length, end);
        if (this.dataset(pos + 8, pos + 8 + length, false, depth + 1, content) === null) return null;
        out.push(this.header(pos, 8, total(content)), ...content);
        pos += 8 + length;
      }
    }
    if (!defined)
      throw dicomError(DicomErrorCode.WRITE_FAILED, 'Sequence without delimiter in written dataset');
    return pos;
  }

  /** A copy of the element/item header at `pos` with its length replaced. */
  private header(pos: number, headerLength: number, length: number): Uint8Array {
    const head = this.bytes.slice(pos, pos + headerLength);
    const hv = new DataView(head.buffer);
    if (headerLength === 12 || !this.syntax.explicitVr || this.tag(pos) >>> 16 === 0xfffe) {
      hv.setUint32(headerLength - 4, length, this.syntax.littleEndian);
    } else {
      hv.setUint16(6, length, this.syntax.littleEndian);
    }
    return head;
  }

  private unexpected(pos: number) {
    return dicomError(DicomErrorCode.WRITE_FAILED, `Unexpected tag in written dataset at offset ${pos}`);
  }
}

function total(chunks: Uint8Array[]): number {
  return chunks.reduce((n, c) => n + c.length, 0);
}

export function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(total(chunks));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
