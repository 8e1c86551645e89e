import { createRequire } from 'node:module';
import dcmjsDimse from 'dcmjs-dimse';

/**
 * Two per-message costs of dcmjs-dimse 0.3 that the C-STORE SCP pays for nothing (measured with
 * --cpu-prof, 16 storescu associations: ~9% and ~2.5% of the gateway's main thread):
 *
 * - `Dataset#getDenaturalizedCommandDataset` encodes every response's command set (a handful of
 *   group-0000 elements, ~150 bytes) through two dcmjs `WriteBufferStream`s, each of which
 *   allocates a zero-filled 256 KiB ArrayBuffer, plus one 256-byte stream per element. The
 *   replacement encodes the usual command sets directly (`encodeCommandSet`, ~15 % of the main
 *   thread at 16 associations before) and runs the very same dcmjs calls with 1 KiB initial
 *   buffers for anything else: same bytes either way.
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
type CommandDict = Record<string, { vr: string; Value?: unknown[] }>;

/** Printable ASCII: what command-set strings hold (UIDs, AE titles, codes, error comments). */
const ASCII_TEXT = /^[\x20-\x7e]*$/;
const STRING_VRS = new Set(['AE', 'CS', 'LO', 'SH', 'ST', 'UI']);

/**
 * A command set (always implicit VR little endian, PS3.7 6.3.1) with its group length, encoded
 * directly: tags in ascending order, each `tag, 32-bit length, value`; strings joined with `\`
 * and padded to even length (UI with NUL, others with a space); US/UL little endian. Exactly the
 * bytes dcmjs writes (dimse-fast-paths.spec.ts compares them), without its per-element streams.
 * Null for anything else (other VRs, non-ASCII text, out-of-range numbers): dcmjs then encodes it.
 */
export function encodeCommandSet(dict: CommandDict): Buffer | null {
  const elements: Buffer[] = [];
  let size = 0;
  for (const key of Object.keys(dict).sort()) {
    const { vr, Value: values = [] } = dict[key];
    let value: Buffer;
    if (STRING_VRS.has(vr)) {
      if (!values.every((v) => typeof v === 'string' && ASCII_TEXT.test(v))) return null;
      const text = values.join('\\');
      value = Buffer.alloc(text.length + (text.length % 2), vr === 'UI' ? 0 : 0x20);
      value.write(text, 'latin1');
    } else if (vr === 'US' || vr === 'UL') {
      // dcmjs-dimse keeps some numbers as decimal strings; dcmjs writes them as numbers.
      const numbers = values.map((v) => (typeof v === 'string' && /^[0-9]{1,10}$/.test(v) ? Number(v) : v));
      const width = vr === 'US' ? 2 : 4;
      const max = width === 2 ? 0xffff : 0xffffffff;
      if (!numbers.every((v) => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= max))
        return null;
      value = Buffer.alloc(numbers.length * width);
      numbers.forEach((v, k) =>
        width === 2 ? value.writeUInt16LE(v as number, k * 2) : value.writeUInt32LE(v as number, k * 4),
      );
    } else {
      return null;
    }
    const header = Buffer.alloc(8);
    header.writeUInt16LE(parseInt(key.slice(0, 4), 16), 0);
    header.writeUInt16LE(parseInt(key.slice(4), 16), 2);
    header.writeUInt32LE(value.length, 4);
    elements.push(header, value);
    size += 8 + value.length;
  }
  const groupLength = Buffer.alloc(12);
  groupLength.writeUInt32LE(4, 4); // (0000,0000) UL, length 4
  groupLength.writeUInt32LE(size, 8);
  return Buffer.concat([groupLength, ...elements], 12 + size);
}

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
    const dict = DicomMetaDictionary.denaturalizeDataset(this.getElements()) as CommandDict;
    const direct = encodeCommandSet(dict);
    if (direct) return direct;
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
