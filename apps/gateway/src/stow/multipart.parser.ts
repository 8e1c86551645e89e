import { RopError } from '@ropline/core';

/** Events of a multipart body, in order: part-start, data*, part-end, ..., then end() succeeds. */
export type MultipartEvent =
  | { type: 'part-start'; headers: Record<string, string> }
  | { type: 'data'; chunk: Buffer }
  | { type: 'part-end' };

const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');
const EMPTY = Buffer.alloc(0);
const MAX_HEADER_BYTES = 16 * 1024;
const MAX_BOUNDARY = 256;

type State = 'preamble' | 'after-delimiter' | 'headers' | 'body' | 'epilogue';

function malformed(message: string): RopError {
  return new RopError('STOW.MALFORMED_MULTIPART', message);
}

/**
 * Incremental multipart (RFC 2046) parser: push() chunks as they arrive, get events back, call end()
 * after the last chunk. Holds at most one header block or one delimiter's worth of bytes, so part
 * bodies stream through in constant memory. Delimiters split across chunks are handled.
 *
 * Body bytes are not copied: `data` events are views of the pushed chunk (only the few bytes that
 * could begin a delimiter split across chunks are carried over, copied, into the next push). The
 * caller consumes a push's events before it changes that chunk (HTTP body chunks never change).
 */
export class MultipartParser {
  private readonly delimiter: Buffer;
  private buf: Buffer;
  private state: State = 'preamble';

  constructor(boundary: string) {
    // RFC 2046 caps boundaries at 70 characters, but Orthanc 1.10 sends longer ones: be lenient.
    if (!boundary || boundary.length > MAX_BOUNDARY) {
      throw malformed(`boundary must be 1-${MAX_BOUNDARY} characters`);
    }
    this.delimiter = Buffer.from(`\r\n--${boundary}`, 'latin1');
    // A body may open with the delimiter itself: pretend a CRLF preceded it.
    this.buf = Buffer.from(CRLF);
  }

  get done(): boolean {
    return this.state === 'epilogue';
  }

  push(chunk: Uint8Array): MultipartEvent[] {
    const events: MultipartEvent[] = [];
    if (this.state === 'epilogue') return events; // the epilogue is ignored
    const view = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.buf = this.buf.length ? Buffer.concat([this.buf, view]) : view;
    for (;;) {
      const progressed = this.step(events);
      if (!progressed || this.done) break;
    }
    if (this.done) this.buf = EMPTY;
    return events;
  }

  /** Throws STOW.MALFORMED_MULTIPART unless the close delimiter was seen. */
  end(): void {
    if (this.state !== 'epilogue') {
      throw malformed(
        this.state === 'preamble'
          ? 'no multipart boundary found in the body'
          : 'body ended before the final multipart delimiter',
      );
    }
  }

  private step(events: MultipartEvent[]): boolean {
    switch (this.state) {
      case 'preamble': {
        const i = this.buf.indexOf(this.delimiter);
        if (i < 0) {
          this.keepTail();
          return false;
        }
        this.buf = this.buf.subarray(i + this.delimiter.length);
        this.state = 'after-delimiter';
        return true;
      }
      case 'after-delimiter': {
        if (this.buf.length < 2) return false;
        if (this.buf[0] === 0x2d && this.buf[1] === 0x2d) {
          this.state = 'epilogue';
          return true;
        }
        // Transport padding (spaces/tabs) may follow the boundary before its CRLF.
        const eol = this.buf.indexOf(CRLF);
        if (eol < 0) {
          if (this.buf.length > 256) throw malformed('garbage after a multipart boundary');
          return false;
        }
        if (!/^[ \t]*$/.test(this.buf.subarray(0, eol).toString('latin1'))) {
          throw malformed('garbage after a multipart boundary');
        }
        this.buf = this.buf.subarray(eol + 2);
        this.state = 'headers';
        return true;
      }
      case 'headers': {
        // No headers at all: the blank line comes straight away.
        const end = this.buf.subarray(0, 2).equals(CRLF) ? -2 : this.buf.indexOf(HEADER_END);
        if (end === -1) {
          if (this.buf.length > MAX_HEADER_BYTES) throw malformed('part headers too long');
          return false;
        }
        const text = end < 0 ? '' : this.buf.subarray(0, end).toString('latin1');
        this.buf = this.buf.subarray(end < 0 ? 2 : end + 4);
        events.push({ type: 'part-start', headers: parseHeaders(text) });
        this.state = 'body';
        return true;
      }
      case 'body': {
        const i = this.buf.indexOf(this.delimiter);
        if (i < 0) {
          // Carry over only a tail that could begin a delimiter split across chunks.
          const emit = this.partialDelimiterAt();
          if (emit > 0) events.push({ type: 'data', chunk: this.buf.subarray(0, emit) });
          this.buf = emit < this.buf.length ? Buffer.from(this.buf.subarray(emit)) : EMPTY;
          return false;
        }
        if (i > 0) events.push({ type: 'data', chunk: this.buf.subarray(0, i) });
        events.push({ type: 'part-end' });
        this.buf = this.buf.subarray(i + this.delimiter.length);
        this.state = 'after-delimiter';
        return true;
      }
      default:
        return false;
    }
  }

  /**
   * Where the shortest tail of `buf` that is a proper prefix of the delimiter starts, or
   * `buf.length` when none is (the usual case: body bytes then pass without a copy).
   */
  private partialDelimiterAt(): number {
    const buf = this.buf;
    const d = this.delimiter;
    for (
      let k = buf.indexOf(d[0], Math.max(0, buf.length - d.length + 1));
      k >= 0;
      k = buf.indexOf(d[0], k + 1)
    ) {
      if (buf.subarray(k).equals(d.subarray(0, buf.length - k))) return k;
    }
    return buf.length;
  }

  private keepTail(): void {
    const keep = Math.min(this.buf.length, this.delimiter.length - 1);
    this.buf = Buffer.from(this.buf.subarray(this.buf.length - keep));
  }
}

/** Header names lower-cased; folded lines joined. */
export function parseHeaders(text: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of text.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
}

export interface MediaType {
  type: string;
  params: Record<string, string>;
}

/** Parses `type/subtype; a=b; c="d"` (RFC 9110 8.3), parameter names lower-cased. */
export function parseMediaType(value: string | undefined): MediaType | null {
  if (!value) return null;
  const m = /^\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+\/[!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*/.exec(value);
  if (!m) return null;
  const params: Record<string, string> = {};
  const re = /;\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;\s]*)\s*/g;
  const rest = value.slice(m[0].length);
  let p: RegExpExecArray | null;
  while ((p = re.exec(rest)) !== null) {
    const raw = p[2];
    params[p[1].toLowerCase()] = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw;
  }
  return { type: m[1].toLowerCase(), params };
}
