import { inflateRawSync, inflateSync } from 'node:zlib';
import { RopError } from '@ropline/core';
import { DicomDataset, type PixelDataRef } from '../dicom.dataset.js';
import { DicomErrorCode, dicomError, wrapForeign } from '../dicom.errors.js';
import { TransferSyntax } from '../uid.constants.js';
import { parseCharsetValue } from '../charset/charset.js';
import { dcmjs, type NaturalDataset } from './dcmjs.adapter.js';
import { DatasetScanner, type DatasetScan } from './element.scanner.js';
import {
  buildPart10,
  byteSyntaxOf,
  findMetaStart,
  guessBareSyntax,
  part10MetaElements,
  scanMeta,
} from './part10.scanner.js';
import { readSimpleElements } from './simple-elements.js';
import { checkImageSize, DEFAULT_MAX_DECODED_BYTES } from '../pixel/pixel-module.js';

export interface ReadOptions {
  /**
   * Cap on the decoded pixel bytes (Rows x Columns x Frames x Samples x bytes per sample) and on the
   * inflated size of a deflated dataset. Default 512 MiB. Checked before anything is allocated.
   */
  maxDecodedBytes?: number;
  /**
   * Header-only read: keep only these top-level attributes (dcmjs keywords, e.g. 'SOPInstanceUID').
   * The whole input is still scanned structurally (every length, item, delimiter and the Pixel Data
   * bounds), so malformed or truncated input fails exactly as a full read, but only the kept elements
   * (and Specific Character Set, for their text) are decoded; the Pixel Data reference is still set.
   * For callers that need a few identifying attributes of a large object (ingest).
   */
  only?: readonly string[];
}

/** A bare dataset must parse this many top-level elements before its errors are trusted over NOT_DICOM. */
const BARE_MIN_ELEMENTS = 3;

/**
 * Reads a DICOM Part-10 file or a bare dataset (no preamble/meta: implicit VR LE assumed, explicit VR
 * LE when the first element carries a VR). Supports implicit/explicit VR little endian, explicit VR
 * big endian, deflated explicit VR LE and every encapsulated syntax (pixel data left encoded).
 * Text values are decoded to JS strings (nested items in the inherited character set), while
 * `elements.SpecificCharacterSet` keeps the top-level (0008,0005) exactly as the file declares it
 * (string, array when multi-valued, absent when the file has none or it is empty).
 * Every failure is a RopError with a DICOM.* code; nothing else escapes.
 */
export function readDicom(bytes: Uint8Array, opts: ReadOptions = {}): DicomDataset {
  return readDicomVia(bytes, opts).dataset;
}

/** How a read decoded its elements: 'simple' is the `only` fast path (simple-elements.ts). */
export type ElementDecoder = 'simple' | 'dcmjs';

/**
 * readDicom, reporting which decoder ran; `forceDcmjs` skips the fast path. For parity tests and
 * benchmarks only: not exported from the package index.
 */
export function readDicomVia(
  bytes: Uint8Array,
  opts: ReadOptions = {},
  forceDcmjs = false,
): { dataset: DicomDataset; decoder: ElementDecoder } {
  try {
    const only = opts.only && tagsOf(opts.only);
    return read(bytes, opts.maxDecodedBytes ?? DEFAULT_MAX_DECODED_BYTES, only, forceDcmjs);
  } catch (e) {
    throw wrapForeign(e, DicomErrorCode.MALFORMED, 'DICOM dataset could not be parsed');
  }
}

const tagSets = new WeakMap<readonly string[], ReadonlySet<number>>();

/** Numeric tags of dcmjs keywords (+ Specific Character Set); unknown keywords are refused. */
function tagsOf(keywords: readonly string[]): ReadonlySet<number> {
  let tags = tagSets.get(keywords);
  if (tags) return tags;
  const set = new Set<number>([SPECIFIC_CHARACTER_SET]);
  for (const k of keywords) {
    const tag = dcmjs.data.DicomMetaDictionary.nameMap[k]?.tag;
    const m = tag ? /^\(?([0-9A-Fa-f]{4}),?([0-9A-Fa-f]{4})\)?$/.exec(tag) : null;
    if (!m) throw dicomError(DicomErrorCode.MALFORMED, `readDicom: unknown keyword ${k} in 'only'`);
    set.add(((parseInt(m[1], 16) << 16) | parseInt(m[2], 16)) >>> 0);
  }
  tags = set;
  tagSets.set(keywords, tags);
  return tags;
}

const SPECIFIC_CHARACTER_SET = 0x00080005;

function read(
  input: Uint8Array,
  maxBytes: number,
  only: ReadonlySet<number> | undefined,
  forceDcmjs: boolean,
): { dataset: DicomDataset; decoder: ElementDecoder } {
  if (!(input instanceof Uint8Array)) {
    throw dicomError(DicomErrorCode.NOT_DICOM, 'readDicom expects a Uint8Array (or Buffer)');
  }
  // A plain Uint8Array view (no copy): Buffer's slice() shares memory, Uint8Array's copies.
  const bytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  const metaStart = findMetaStart(bytes);
  const part10 = metaStart !== null;
  let meta = part10 ? scanMeta(bytes, metaStart) : undefined;
  if (!part10) {
    const guess = guessBareSyntax(bytes);
    if (guess === null) throw notDicom();
    // A bare stream may still begin with an explicit VR LE meta group (written without preamble).
    if (bytes[0] === 0x02 && bytes[1] === 0x00 && guess === TransferSyntax.ExplicitVRLittleEndian) {
      meta = scanMeta(bytes, 0);
    }
  }
  let body = bytes.subarray(meta?.datasetOffset ?? 0);
  if (part10 && body.length === 0) {
    throw dicomError(
      DicomErrorCode.TRUNCATED,
      'Input ends after the File Meta Information: no dataset follows',
    );
  }
  const transferSyntaxUid =
    meta?.transferSyntaxUid || guessBareSyntax(body) || TransferSyntax.ExplicitVRLittleEndian;
  const deflated = transferSyntaxUid === TransferSyntax.DeflatedExplicitVRLittleEndian;
  if (deflated) {
    const inflated = inflate(body, maxBytes);
    body = new Uint8Array(inflated.buffer, inflated.byteOffset, inflated.byteLength);
  }
  const syntax = byteSyntaxOf(transferSyntaxUid);
  const scan = scanBody(body, syntax, part10, only);

  // dcmjs gets a rebuilt, consistent Part-10 stream without the top-level Pixel Data (and, for a
  // deflated input, the inflated dataset labelled explicit VR LE, so it does not inflate again).
  // A header-only read of simple elements skips dcmjs: readSimpleElements decodes the same bytes.
  const pd = scan.pixelData;
  const kept = only && scan.kept.filter(([start]) => start !== pd?.elementStart);
  const dcmjsSyntax = deflated ? TransferSyntax.ExplicitVRLittleEndian : transferSyntaxUid;
  const simple =
    kept && !forceDcmjs
      ? readSimpleElements(body, kept, syntax, part10MetaElements(meta?.elements ?? [], dcmjsSyntax))
      : null;
  const decoded = simple ?? readWithDcmjs(body, scan, kept, meta?.elements ?? [], dcmjsSyntax);
  const metaNatural = { ...decoded.meta, TransferSyntaxUID: transferSyntaxUid };
  const elements = decoded.elements;
  // dcmjs reports every decoded dataset as 'ISO_IR 192'; keep the value the file really declares.
  const charset = scan.specificCharacterSet ? parseCharsetValue(scan.specificCharacterSet) : undefined;
  if (charset === undefined) delete elements.SpecificCharacterSet;
  else elements.SpecificCharacterSet = charset;
  const pixelData = pd ? pixelDataRef(body, scan, syntax.littleEndian) : null;
  const ds = new DicomDataset(elements, metaNatural, transferSyntaxUid, pixelData, {
    part10,
    deflated,
    littleEndian: syntax.littleEndian,
    explicitVr: syntax.explicitVr,
  });
  if (pixelData) checkImageSize(ds, maxBytes);
  return { dataset: ds, decoder: simple ? 'simple' : 'dcmjs' };
}

function readWithDcmjs(
  body: Uint8Array,
  scan: DatasetScan,
  kept: Array<[number, number]> | undefined,
  metaElements: Uint8Array[],
  dcmjsSyntax: string,
): { elements: NaturalDataset; meta: NaturalDataset } {
  const pd = scan.pixelData;
  const parts = kept
    ? kept.map(([s, e]) => body.subarray(s, e))
    : pd
      ? [body.subarray(0, pd.elementStart), body.subarray(pd.elementEnd, scan.end)]
      : [body.subarray(0, scan.end)];
  const stream = buildPart10(metaElements, dcmjsSyntax, parts);
  const dict = parseWithDcmjs(stream.buffer as ArrayBuffer);
  const naturalize = dcmjs.data.DicomMetaDictionary.naturalizeDataset;
  return { elements: naturalize(dict.dict), meta: naturalize(dict.meta) };
}

/**
 * dcmjs refuses unknown or multiple (ISO 2022 code extension) character sets; text then decodes as
 * the default repertoire, which beats rejecting the image. Only that error is retried leniently:
 * any other dcmjs error stays fatal (lenient mode would silently drop the rest of the dataset).
 */
function parseWithDcmjs(stream: ArrayBuffer) {
  try {
    return dcmjs.data.DicomMessage.readFile(stream);
  } catch (e) {
    if (e instanceof Error && /character set/i.test(e.message)) {
      try {
        return dcmjs.data.DicomMessage.readFile(stream, { ...DCMJS_READ_DEFAULTS, ignoreErrors: true });
      } catch (again) {
        throw wrapForeign(again, DicomErrorCode.MALFORMED, 'DICOM dataset could not be parsed by dcmjs');
      }
    }
    throw wrapForeign(e, DicomErrorCode.MALFORMED, 'DICOM dataset could not be parsed by dcmjs');
  }
}

const DCMJS_READ_DEFAULTS = {
  untilTag: null,
  includeUntilTagValue: false,
  noCopy: false,
  forceStoreRaw: false,
};

function scanBody(
  body: Uint8Array,
  syntax: ReturnType<typeof byteSyntaxOf>,
  part10: boolean,
  only?: ReadonlySet<number>,
): DatasetScan {
  const scanner = new DatasetScanner(body, syntax, only);
  if (part10) return scanner.scan();
  // Without a 'DICM' marker the bytes are only trusted as DICOM once a few elements parsed in order.
  let scan: DatasetScan;
  try {
    scan = scanner.scan();
  } catch (e) {
    if (scanner.topLevelCount >= BARE_MIN_ELEMENTS && e instanceof RopError) throw e;
    throw notDicom(e);
  }
  if (scan.outOfOrder || scan.topLevelCount === 0) throw notDicom();
  return scan;
}

function notDicom(cause?: unknown): RopError {
  return dicomError(
    DicomErrorCode.NOT_DICOM,
    "Input is not DICOM: no Part-10 'DICM' marker at offset 128 and not a parsable bare dataset",
    {},
    cause,
  );
}

function inflate(body: Uint8Array, maxBytes: number): Uint8Array {
  const opts = { maxOutputLength: Math.max(1, Math.min(maxBytes, 2 ** 31 - 1)) };
  try {
    return inflateRawSync(body, opts);
  } catch (raw) {
    const code = (raw as { code?: string }).code;
    if (code === 'Z_BUF_ERROR') {
      throw dicomError(
        DicomErrorCode.TRUNCATED,
        'Deflated dataset ends early (unexpected end of deflate stream)',
      );
    }
    if (code === 'ERR_BUFFER_TOO_LARGE') {
      throw dicomError(
        DicomErrorCode.IMAGE_TOO_LARGE,
        `Deflated dataset inflates to more than maxDecodedBytes (${maxBytes} bytes)`,
        { maxDecodedBytes: maxBytes },
      );
    }
    try {
      return inflateSync(body, opts); // some writers wrongly add a zlib header
    } catch {
      throw wrapForeign(raw, DicomErrorCode.MALFORMED, 'Deflated dataset could not be inflated');
    }
  }
}

function pixelDataRef(body: Uint8Array, scan: DatasetScan, littleEndian: boolean): PixelDataRef | null {
  const pd = scan.pixelData;
  if (!pd) return null;
  if (!pd.encapsulated) {
    return {
      encapsulated: false,
      bytes: body.subarray(pd.valueOffset, pd.valueOffset + pd.length),
      vr: pd.vr,
      littleEndian,
    };
  }
  return {
    encapsulated: true,
    offsetTable: pd.offsetTable,
    fragments: pd.fragments.map((f) => ({
      bytes: body.subarray(f.offset, f.offset + f.length),
      itemOffset: f.itemOffset,
    })),
  };
}
