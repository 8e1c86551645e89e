import { createRequire } from 'node:module';
import dcmjsDimse from 'dcmjs-dimse';

/**
 * Two per-message costs of dcmjs-dimse 0.3 that the C-STORE SCP pays for nothing (measured with
 * --cpu-prof, 16 storescu associations: ~9% and ~2.5% of the gateway's main thread):
 *
 * - `Dataset#getDenaturalizedCommandDataset` encodes every response's command set (a handful of
 *   group-0000 elements, ~150 bytes) through two dcmjs `WriteBufferStream`s, each of which
 *   allocates a zero-filled 256 KiB ArrayBuffer. The replacement runs the very same dcmjs calls
 *   with 1 KiB initial buffers (they grow when needed): same bytes, 1/256 of the allocation.
 * - `Association#_uidNameFromValue`, used only to build log strings (built even when its logger is
 *   silent), merges the SOP class tables into a new object and scans every key, once per presentation
 *   context (storescu proposes ~120 per association). The replacement looks the value up in
 *   reverse maps built once per table: same name for the same value.
 *
 * Installed once per process (idempotent); `createStoreScpClass` calls it.
 */
const INSTALLED = Symbol.for('ropline.dcmjsDimse.fastPaths');
const INITIAL_BYTES = 1024;
const IMPLICIT_LE = '1.2.840.10008.1.2';

interface NestedDcmjs {
  data: {
    WriteBufferStream: new (
      defaultSize?: number,
      littleEndian?: boolean,
    ) => {
      size: number;
      concat(other: unknown): void;
      getBuffer(): ArrayBuffer;
    };
    DicomMessage: {
      write(dict: unknown, stream: unknown, syntax: string, options?: unknown): void;
      writeTagObject(
        stream: unknown,
        tag: string,
        vr: string,
        values: unknown,
        syntax: string,
        options?: unknown,
      ): void;
    };
    DicomMetaDictionary: { denaturalizeDataset(ds: unknown): unknown };
  };
}

type Table = Record<string, unknown>;

/** The library's own implementations (replaced by installDimseFastPaths), for tests. */
export interface DimseOriginals {
  getDenaturalizedCommandDataset(this: unknown, options?: unknown): Buffer;
  _uidNameFromValue(this: unknown, tables: Table | Table[], value: unknown): string | undefined;
}

export function installDimseFastPaths(): DimseOriginals {
  // A process-wide flag: dcmjs-dimse is one CommonJS module per process, whoever imports this file.
  const registry = globalThis as { [INSTALLED]?: DimseOriginals };
  if (registry[INSTALLED]) return registry[INSTALLED];

  // dcmjs-dimse bundles its own dcmjs (0.50): use exactly the copy it would use.
  const requireFromDimse = createRequire(createRequire(import.meta.url).resolve('dcmjs-dimse'));
  const { WriteBufferStream, DicomMessage, DicomMetaDictionary } = (requireFromDimse('dcmjs') as NestedDcmjs)
    .data;

  const datasetProto = dcmjsDimse.Dataset.prototype as unknown as {
    getElements(): unknown;
    getDenaturalizedCommandDataset(options?: unknown): Buffer;
  };
  const associationProto = dcmjsDimse.association.Association.prototype as unknown as {
    _uidNameFromValue(tables: Table | Table[], value: unknown): string | undefined;
  };
  const originals: DimseOriginals = {
    getDenaturalizedCommandDataset: datasetProto.getDenaturalizedCommandDataset,
    _uidNameFromValue: associationProto._uidNameFromValue,
  };
  registry[INSTALLED] = originals;

  datasetProto.getDenaturalizedCommandDataset = function (this: typeof datasetProto, options?: unknown) {
    const dict = DicomMetaDictionary.denaturalizeDataset(this.getElements());
    const head = new WriteBufferStream(INITIAL_BYTES);
    const body = new WriteBufferStream(INITIAL_BYTES);
    DicomMessage.write(dict, body, IMPLICIT_LE, options);
    DicomMessage.writeTagObject(head, '00000000', 'UL', body.size, IMPLICIT_LE, options);
    head.concat(body);
    return Buffer.from(head.getBuffer());
  };

  const reverse = new WeakMap<Table, Map<unknown, string>>();
  const lookup = (table: Table, value: unknown): string | undefined => {
    let map = reverse.get(table);
    if (!map) {
      map = new Map();
      for (const key of Object.keys(table)) if (!map.has(table[key])) map.set(table[key], key);
      reverse.set(table, map);
    }
    return map.get(value);
  };
  associationProto._uidNameFromValue = (tables, value) => {
    // Object.assign({}, ...tables) semantics: a key of a later table overrides an earlier one.
    const list = Array.isArray(tables) ? tables : [tables];
    for (const table of list) {
      const key = lookup(table, value);
      if (key === undefined) continue;
      if (list.slice(list.indexOf(table) + 1).some((later) => key in later && later[key] !== value)) continue;
      return key;
    }
    return undefined;
  };
  return originals;
}
