// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- makes the untyped-module declaration visible to consumers that type-check this source
/// <reference path="../dcmjs.d.ts" />
import dcmjsModule from 'dcmjs';

/** A dcmjs "naturalized" dataset: keyword -> value (sequences are arrays of datasets). */
export type NaturalDataset = Record<string, unknown>;

/** dcmjs's tag-keyed ("denaturalized") dataset, as read from or written to bytes. */
export type DenaturalDataset = Record<string, { vr: string; Value?: unknown[] }>;

interface DcmjsDicomDict {
  meta: DenaturalDataset;
  dict: DenaturalDataset;
  write(options?: Record<string, unknown>): ArrayBuffer;
}

interface Logger {
  setLevel(level: string): void;
  getLogger(name: string): Logger;
}

interface DcmjsReadStream {
  decoder: unknown;
  setDecoder(decoder: unknown): void;
  more(length: number): DcmjsReadStream;
}

interface DcmjsApi {
  log: Logger;
  data: {
    ReadBufferStream: { prototype: DcmjsReadStream };
    DicomMessage: { readFile(buffer: ArrayBuffer, options?: Record<string, unknown>): DcmjsDicomDict };
    DicomDict: new (meta: DenaturalDataset) => DcmjsDicomDict;
    DicomMetaDictionary: {
      naturalizeDataset(dataset: DenaturalDataset): NaturalDataset;
      denaturalizeDataset(dataset: NaturalDataset): DenaturalDataset;
      dictionary: Record<string, { vr?: string; name?: string } | undefined>;
      nameMap: Record<string, { vr?: string; tag?: string } | undefined>;
    };
  };
}

export const dcmjs = dcmjsModule as DcmjsApi;

// dcmjs logs through loglevel at 'warn' and some warnings quote attribute values, which may be
// PHI (patient name, IDs). This lib reports problems as RopErrors instead, so silence it.
dcmjs.log.setLevel('silent');
dcmjs.log.getLogger('validation.dcmjs').setLevel('silent');

/**
 * dcmjs reads each sequence item through `stream.more()`, a fresh stream whose text decoder is its
 * default (windows-1252) instead of the character set in force, so non-ASCII text in nested items
 * was garbled (e.g. UTF-8 names in an ISO_IR 192 file). Items inherit the enclosing dataset's
 * Specific Character Set (PS3.5 7.5.3), so the sub-stream gets the parent's decoder; an item that
 * declares its own (0008,0005) still switches it (dcmjs does that per dataset it reads).
 */
const PATCHED = Symbol.for('ropline.dcmjs.inheritDecoder');
const readStream = dcmjs.data.ReadBufferStream.prototype as DcmjsReadStream & { [PATCHED]?: true };
if (!readStream[PATCHED] && typeof readStream.more === 'function') {
  const more = readStream.more;
  readStream.more = function (this: DcmjsReadStream, length: number) {
    const sub = more.call(this, length);
    if (this.decoder && typeof sub.setDecoder === 'function') sub.setDecoder(this.decoder);
    return sub;
  };
  readStream[PATCHED] = true;
}

/** VR from the standard dictionary for implicit-VR parsing ('US or SS' style entries -> first). */
export function dictionaryVr(group: number, element: number): string | undefined {
  const key = `(${hex4(group)},${hex4(element)})`;
  const vr = dcmjs.data.DicomMetaDictionary.dictionary[key]?.vr;
  return vr ? vr.slice(0, 2).toUpperCase() : undefined;
}

function hex4(n: number): string {
  return n.toString(16).toUpperCase().padStart(4, '0');
}
