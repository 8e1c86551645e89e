import { describe, expect, it } from 'vitest';
import { MultipartParser, parseMediaType, type MultipartEvent } from './multipart.parser.js';

interface Part {
  headers: Record<string, string>;
  body: string;
}

/** Feeds `body` in chunks of `size` bytes and collects the parts. */
function parse(boundary: string, body: string | Buffer, size = Infinity): Part[] {
  const parser = new MultipartParser(boundary);
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body, 'latin1');
  const events: MultipartEvent[] = [];
  const step = Number.isFinite(size) ? size : bytes.length || 1;
  for (let i = 0; i < bytes.length; i += step) events.push(...parser.push(bytes.subarray(i, i + step)));
  parser.end();
  const parts: Part[] = [];
  for (const ev of events) {
    if (ev.type === 'part-start') parts.push({ headers: ev.headers, body: '' });
    else if (ev.type === 'data') parts[parts.length - 1].body += ev.chunk.toString('latin1');
  }
  return parts;
}

const two = (b: string) =>
  `--${b}\r\nContent-Type: application/dicom\r\n\r\nAAA\r\n--${b}\r\n` +
  `Content-Type: application/dicom\r\n\r\nB\r\n-B\r\n--${b}--\r\n`;

describe('MultipartParser', () => {
  it('splits two parts and keeps a CRLF-dash lookalike inside a body', () => {
    const parts = parse('xyz', two('xyz'));
    expect(parts.map((p) => p.body)).toEqual(['AAA', 'B\r\n-B']);
    expect(parts[0].headers).toEqual({ 'content-type': 'application/dicom' });
  });

  it.each([1, 2, 3, 5, 7, 11, 64])('gives the same parts for %i-byte chunks (delimiter split)', (n) => {
    expect(parse('DICOMwebBoundary', two('DICOMwebBoundary'), n).map((p) => p.body)).toEqual([
      'AAA',
      'B\r\n-B',
    ]);
  });

  it('ignores preamble and epilogue, and accepts transport padding and header-less parts', () => {
    const body = `This is a preamble\r\n--b1  \r\n\r\nX\r\n--b1\r\nA: 1\r\n\r\nYY\r\n--b1--\r\nepilogue --b1\r\n`;
    const parts = parse('b1', body, 4);
    expect(parts).toEqual([
      { headers: {}, body: 'X' },
      { headers: { a: '1' }, body: 'YY' },
    ]);
  });

  it('passes binary bodies through byte-exact', () => {
    const payload = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 37) % 256));
    const body = Buffer.concat([Buffer.from('--q\r\n\r\n'), payload, Buffer.from('\r\n--q--')]);
    const parser = new MultipartParser('q');
    const chunks: Buffer[] = [];
    for (let i = 0; i < body.length; i += 13)
      for (const ev of parser.push(body.subarray(i, i + 13))) if (ev.type === 'data') chunks.push(ev.chunk);
    parser.end();
    expect(Buffer.concat(chunks).equals(payload)).toBe(true);
  });

  it('finds delimiters split at every offset, with delimiter prefixes in the bodies, at every chunk size', () => {
    // Each body is full of proper prefixes of the delimiter "\r\n--bnd", so chunk ends often fall on one.
    const bodies = ['x\r\n-', '\r\n--bn\r', '\r', '\r\n--b\r\n--bn', 'end\r\n'];
    const body = bodies.map((b) => `--bnd\r\n\r\n${b}\r\n`).join('') + '--bnd--\r\n';
    for (let size = 1; size <= body.length; size++) {
      expect(parse('bnd', body, size).map((p) => p.body)).toEqual(bodies);
    }
  });

  it('hands out body bytes as views of the pushed chunk, not copies', () => {
    const chunk = Buffer.alloc(64 * 1024, 0x41);
    const parser = new MultipartParser('q');
    expect(parser.push(Buffer.from('--q\r\n\r\n'))).toEqual([{ type: 'part-start', headers: {} }]);
    const data = parser.push(chunk);
    expect(data).toHaveLength(1);
    expect(data[0].type === 'data' && data[0].chunk.buffer).toBe(chunk.buffer);
    expect(data[0].type === 'data' && data[0].chunk.length).toBe(chunk.length);
    parser.push(Buffer.from('\r\n--q--'));
    parser.end();
  });

  it.each([
    ['missing final delimiter', '--b\r\n\r\nX\r\n--b\r\n\r\nY'],
    ['no boundary at all', 'just some bytes'],
    ['a wrong boundary', '--other\r\n\r\nX\r\n--other--'],
  ])('rejects %s with STOW.MALFORMED_MULTIPART', (_name, body) => {
    expect(() => parse('b', body)).toThrowError(
      expect.objectContaining({ code: 'STOW.MALFORMED_MULTIPART' }),
    );
  });

  it('accepts boundaries longer than RFC 2046 allows (Orthanc sends them) but not unbounded ones', () => {
    const long = 'o'.repeat(100);
    expect(parse(long, two(long), 9).map((p) => p.body)).toEqual(['AAA', 'B\r\n-B']);
    expect(() => new MultipartParser('x'.repeat(300))).toThrowError(/boundary/);
  });

  it('rejects garbage after a boundary line', () => {
    expect(() => parse('b', '--bXYZ\r\n\r\nX\r\n--b--')).toThrowError(/garbage/);
  });
});

describe('parseMediaType', () => {
  it.each([
    ['multipart/related; type="application/dicom"; boundary="a b;c"', 'a b;c'],
    ['multipart/related; type=application/dicom; boundary=abc123', 'abc123'],
    ['Multipart/Related;boundary=x;TYPE="application/dicom"', 'x'],
  ])('reads quoted and unquoted boundaries: %s', (header, boundary) => {
    const mt = parseMediaType(header);
    expect(mt?.type).toBe('multipart/related');
    expect(mt?.params.boundary).toBe(boundary);
    expect(mt?.params.type).toBe('application/dicom');
  });

  it('returns null for a missing or broken header', () => {
    expect(parseMediaType(undefined)).toBeNull();
    expect(parseMediaType('garbage')).toBeNull();
  });
});
