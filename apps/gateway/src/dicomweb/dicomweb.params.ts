import { RopError } from '@ropline/core';

/** PS3.5 9.1 (same pattern as ingest/instance.validator.ts): digits and dots, <= 64 characters. */
const UID = /^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*$/;
/** Code String (PS3.5 6.2): upper case, digits, space, underscore; <= 16 characters. */
const CS = /^[A-Z0-9_ ]{1,16}$/;
export const MAX_LIMIT = 1000;

export function badRequest(message: string, meta: Record<string, string> = {}): RopError {
  return new RopError('DICOMWEB.BAD_REQUEST', message, meta);
}

export function isUid(value: string): boolean {
  return value.length <= 64 && UID.test(value);
}

/** A UID from the URL or a query; anything else is a 400 (the value is not echoed: it may be junk). */
export function requireUid(value: string | undefined, name: string): string {
  if (value === undefined || !isUid(value)) throw badRequest(`${name} is not a valid UID`);
  return value;
}

/** Query keys a search can match on, by keyword and by tag (PS3.18 8.3.4). */
const KEYS: Record<string, QueryKey> = {
  StudyInstanceUID: 'study',
  '0020000D': 'study',
  SeriesInstanceUID: 'series',
  '0020000E': 'series',
  SOPInstanceUID: 'sop',
  '00080018': 'sop',
  SOPClassUID: 'sopClass',
  '00080016': 'sopClass',
  Modality: 'modality',
  '00080060': 'modality',
  ModalitiesInStudy: 'modality',
  '00080061': 'modality',
  ImageLaterality: 'laterality',
  '00200062': 'laterality',
  InstanceNumber: 'instanceNumber',
  '00200013': 'instanceNumber',
};
type QueryKey = 'study' | 'series' | 'sop' | 'sopClass' | 'modality' | 'laterality' | 'instanceNumber';
const UID_KEYS = new Set<QueryKey>(['study', 'series', 'sop', 'sopClass']);

export interface SearchQuery {
  /** UID keys: a list means "any of" (PS3.4 C.2.2.2.2 UID list matching). */
  study?: string[];
  series?: string[];
  sop?: string[];
  sopClass?: string[];
  modality?: string;
  laterality?: string;
  instanceNumber?: number;
  limit: number;
  offset: number;
  includefield: string[];
  /** Query keys this server does not match on (ignored; reported in a Warning header). */
  ignored: string[];
}

function single(name: string, v: unknown): string {
  const list = Array.isArray(v) ? v : [v];
  if (list.length !== 1 || typeof list[0] !== 'string') throw badRequest(`${name} must be given once`);
  return list[0];
}

function intParam(name: string, raw: string, min: number, max: number): number {
  if (!/^[0-9]{1,9}$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw badRequest(`${name} must be an integer from ${min} to ${max}`);
  }
  return Number(raw);
}

/** Validates a QIDO-RS query string (as Fastify parsed it). Never passes raw text on unchecked. */
export function parseSearchQuery(query: Record<string, unknown> | undefined): SearchQuery {
  const out: SearchQuery = { limit: 100, offset: 0, includefield: [], ignored: [] };
  for (const [name, value] of Object.entries(query ?? {})) {
    const lower = name.toLowerCase();
    if (lower === 'limit') out.limit = intParam('limit', single(name, value), 1, MAX_LIMIT);
    else if (lower === 'offset') out.offset = intParam('offset', single(name, value), 0, 1e9);
    else if (lower === 'fuzzymatching') {
      if (!['true', 'false'].includes(single(name, value)))
        throw badRequest('fuzzymatching must be true or false');
    } else if (lower === 'includefield') {
      const list = (Array.isArray(value) ? value : [value]).flatMap((v) => String(v).split(','));
      for (const f of list) {
        if (!/^(all|[A-Za-z][A-Za-z0-9]{0,63}|[0-9A-Fa-f]{8})$/.test(f))
          throw badRequest('includefield has a malformed value');
      }
      out.includefield.push(...list);
    } else if (KEYS[name] !== undefined) {
      setKey(out, KEYS[name], name, single(name, value));
    } else if (/^[A-Za-z][A-Za-z0-9]{0,63}$|^[0-9A-Fa-f]{8}$/.test(name)) {
      out.ignored.push(name);
    } else {
      throw badRequest('Unknown or malformed query parameter');
    }
  }
  return out;
}

function setKey(out: SearchQuery, key: QueryKey, name: string, raw: string): void {
  if (UID_KEYS.has(key)) {
    const list = raw.split(/[,\\]/);
    for (const uid of list) requireUid(uid, name);
    out[key as 'study' | 'series' | 'sop' | 'sopClass'] = list;
  } else if (key === 'instanceNumber') {
    if (!/^-?[0-9]{1,9}$/.test(raw)) throw badRequest(`${name} must be an integer`);
    out.instanceNumber = Number(raw);
  } else {
    if (!CS.test(raw)) throw badRequest(`${name} must be a code string (A-Z, 0-9, space, _)`);
    out[key as 'modality' | 'laterality'] = raw.trim();
  }
}
