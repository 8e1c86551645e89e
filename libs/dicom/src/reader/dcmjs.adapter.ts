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

interface DcmjsApi {
  log: Logger;
  data: {
    DicomMessage: { readFile(buffer: ArrayBuffer, options?: Record<string, unknown>): DcmjsDicomDict };
    DicomDict: new (meta: DenaturalDataset) => DcmjsDicomDict;
    DicomMetaDictionary: {
      naturalizeDataset(dataset: DenaturalDataset): NaturalDataset;
      denaturalizeDataset(dataset: NaturalDataset): DenaturalDataset;
      dictionary: Record<string, { vr?: string; name?: string } | undefined>;
      nameMap: Record<string, { vr?: string } | undefined>;
    };
  };
}

export const dcmjs = dcmjsModule as DcmjsApi;

// dcmjs logs through loglevel at 'warn' and some warnings quote attribute values, which may be
// PHI (patient name, IDs). This lib reports problems as RopErrors instead, so silence it.
dcmjs.log.setLevel('silent');
dcmjs.log.getLogger('validation.dcmjs').setLevel('silent');

/** VR from the standard dictionary for implicit-VR parsing ('US or SS' style entries -> first). */
export function dictionaryVr(group: number, element: number): string | undefined {
  const key = `(${hex4(group)},${hex4(element)})`;
  const vr = dcmjs.data.DicomMetaDictionary.dictionary[key]?.vr;
  return vr ? vr.slice(0, 2).toUpperCase() : undefined;
}

function hex4(n: number): string {
  return n.toString(16).toUpperCase().padStart(4, '0');
}
