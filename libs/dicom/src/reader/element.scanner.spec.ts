import { describe, expect, it } from 'vitest';
import { scanDataset, type ByteSyntax } from './element.scanner.js';
import { concatBytes, encodeElement } from './part10.scanner.js';

const LE: ByteSyntax = { littleEndian: true, explicitVr: true };
const IMPLICIT: ByteSyntax = { littleEndian: true, explicitVr: false };
const text = (s: string) => new TextEncoder().encode(s);
const u32 = (n: number) => new Uint8Array(new Uint32Array([n]).buffer);

function tagBytes(group: number, element: number): Uint8Array {
  return new Uint8Array(new Uint16Array([group, element]).buffer);
}

/** Explicit VR LE SQ with items; `undefinedLength` for the sequence and its items. */
function sq(group: number, element: number, items: Uint8Array[], undefinedLength = false): Uint8Array {
  const encodedItems = items.map((content) =>
    undefinedLength
      ? concatBytes([tagBytes(0xfffe, 0xe000), u32(0xffffffff), content, tagBytes(0xfffe, 0xe00d), u32(0)])
      : concatBytes([tagBytes(0xfffe, 0xe000), u32(content.length), content]),
  );
  const body = concatBytes(encodedItems);
  const header = concatBytes([tagBytes(group, element), text('SQ'), new Uint8Array(2)]);
  return undefinedLength
    ? concatBytes([header, u32(0xffffffff), body, tagBytes(0xfffe, 0xe0dd), u32(0)])
    : concatBytes([header, u32(body.length), body]);
}

const modality = encodeElement(0x0008, 0x0060, 'CS', text('OT'));
const rows = encodeElement(0x0028, 0x0010, 'US', new Uint8Array([2, 0]));
const pixels = encodeElement(0x7fe0, 0x0010, 'OB', new Uint8Array([1, 2, 3, 4]));
const inner = concatBytes([
  encodeElement(0x0008, 0x1150, 'UI', text('1.2.3')),
  encodeElement(0x0008, 0x1155, 'UI', text('1.2.3.4')),
]);

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}

describe('DatasetScanner', () => {
  it.each([false, true])(
    'walks nested sequences (undefined length: %s) and finds native pixel data',
    (undef) => {
      const nested = sq(0x0008, 0x1140, [concatBytes([inner, sq(0x0040, 0xa170, [inner], undef)])], undef);
      const bytes = concatBytes([modality, nested, rows, pixels]);
      const scan = scanDataset(bytes, LE);
      expect(scan.topLevelCount).toBe(4);
      expect(scan.outOfOrder).toBe(false);
      expect(scan.pixelData).toMatchObject({
        encapsulated: false,
        length: 4,
        vr: 'OB',
        elementEnd: bytes.length,
      });
    },
  );

  it('reads encapsulated pixel data: offset table, fragments with item offsets', () => {
    const header = concatBytes([tagBytes(0x7fe0, 0x0010), text('OB'), new Uint8Array(2), u32(0xffffffff)]);
    const bot = concatBytes([tagBytes(0xfffe, 0xe000), u32(8), u32(0), u32(12)]);
    const f1 = concatBytes([tagBytes(0xfffe, 0xe000), u32(4), new Uint8Array([9, 9, 9, 9])]);
    const f2 = concatBytes([tagBytes(0xfffe, 0xe000), u32(2), new Uint8Array([7, 7])]);
    const bytes = concatBytes([modality, header, bot, f1, f2, tagBytes(0xfffe, 0xe0dd), u32(0)]);
    const pd = scanDataset(bytes, LE).pixelData;
    expect(pd).toMatchObject({ encapsulated: true, offsetTable: [0, 12], elementEnd: bytes.length });
    expect(pd?.encapsulated && pd.fragments.map((f) => [f.itemOffset, f.length])).toEqual([
      [0, 4],
      [12, 2],
    ]);
  });

  it('reads implicit VR, recursing into dictionary SQ tags', () => {
    const implicitEl = (g: number, e: number, v: Uint8Array) =>
      concatBytes([tagBytes(g, e), u32(v.length), v]);
    const item = concatBytes([
      tagBytes(0xfffe, 0xe000),
      u32(0xffffffff),
      implicitEl(0x0008, 0x1150, text('1.2')),
      tagBytes(0xfffe, 0xe00d),
      u32(0),
    ]);
    const seq = concatBytes([
      tagBytes(0x0008, 0x1140),
      u32(0xffffffff),
      item,
      tagBytes(0xfffe, 0xe0dd),
      u32(0),
    ]);
    const bytes = concatBytes([
      implicitEl(0x0008, 0x0060, text('OT')),
      seq,
      implicitEl(0x7fe0, 0x0010, new Uint8Array(4)),
    ]);
    expect(scanDataset(bytes, IMPLICIT).pixelData).toMatchObject({ encapsulated: false, length: 4 });
  });

  it('reads UN of undefined length as an implicit VR sequence (PS3.5 6.2.2)', () => {
    const implicitItem = concatBytes([
      tagBytes(0xfffe, 0xe000),
      u32(0xffffffff),
      tagBytes(0x0008, 0x0060),
      u32(2),
      text('OT'),
      tagBytes(0xfffe, 0xe00d),
      u32(0),
    ]);
    const un = concatBytes([
      tagBytes(0x0009, 0x1010),
      text('UN'),
      new Uint8Array(2),
      u32(0xffffffff),
      implicitItem,
      tagBytes(0xfffe, 0xe0dd),
      u32(0),
    ]);
    expect(scanDataset(concatBytes([modality, un, pixels]), LE).topLevelCount).toBe(3);
  });

  it('accepts trailing zero padding after the dataset', () => {
    expect(scanDataset(concatBytes([modality, pixels, new Uint8Array(64)]), LE).topLevelCount).toBe(2);
  });

  it('flags out-of-order top-level tags', () => {
    expect(scanDataset(concatBytes([rows, modality]), LE).outOfOrder).toBe(true);
  });

  const truncatedPixels = concatBytes([modality, pixels]).subarray(0, modality.length + 14);
  const hugeOdd = concatBytes([modality, encodeElement(0x0028, 0x0010, 'US', new Uint8Array(2))]);
  new DataView(hugeOdd.buffer).setUint16(modality.length + 6, 0xffff, true);
  const hugeLong = concatBytes([modality, pixels]);
  new DataView(hugeLong.buffer).setUint32(modality.length + 8, 0xfffffff0, true);
  const itemTooLong = sq(0x0008, 0x1140, [inner]);
  new DataView(itemTooLong.buffer).setUint32(16, inner.length + 100, true);
  const noItemTag = sq(0x0008, 0x1140, [inner]);
  noItemTag[12] = 0x00;
  let deep = inner;
  for (let i = 0; i < 30; i++) deep = sq(0x0008, 0x1140, [deep], true);
  const openSequence = sq(0x0008, 0x1140, [inner], true).subarray(0, -8);
  const badVr = concatBytes([modality, rows]);
  badVr[modality.length + 4] = 0x7a; // 'z'

  it.each([
    ['a value cut by the end of input', truncatedPixels, 'DICOM.TRUNCATED'],
    [
      'a header cut by the end of input',
      concatBytes([modality, pixels]).subarray(0, modality.length + 5),
      'DICOM.TRUNCATED',
    ],
    ['an odd length past the end', hugeOdd, 'DICOM.INVALID_LENGTH'],
    ['a 4 GiB length', hugeLong, 'DICOM.INVALID_LENGTH'],
    ['an item longer than its sequence', concatBytes([itemTooLong, pixels]), 'DICOM.INVALID_LENGTH'],
    ['a sequence without item tags', noItemTag, 'DICOM.MALFORMED'],
    ['nesting deeper than the cap', deep, 'DICOM.MALFORMED'],
    ['an undefined-length sequence without delimiter', openSequence, 'DICOM.TRUNCATED'],
    ['an invalid VR', badVr, 'DICOM.MALFORMED'],
  ])('rejects %s', (_n, bytes, code) => {
    expect(codeOf(() => scanDataset(bytes, LE))).toBe(code);
  });
});
