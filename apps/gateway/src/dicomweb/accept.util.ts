import { RopError } from '@ropline/core';

/** One media range of an Accept header, with its parameters (lower-case names, unquoted values). */
export interface MediaRange {
  type: string;
  params: Record<string, string>;
}

/** Splits an Accept header on commas outside quotes. */
export function parseAccept(header: string | string[] | undefined): MediaRange[] {
  const text = Array.isArray(header) ? header.join(',') : (header ?? '');
  const ranges: MediaRange[] = [];
  for (const item of text.match(/(?:[^,"]|"[^"]*")+/g) ?? []) {
    const [type, ...rest] = item.split(/;(?=(?:[^"]|"[^"]*")*$)/);
    if (!type.trim()) continue;
    const params: Record<string, string> = {};
    for (const p of rest) {
      const eq = p.indexOf('=');
      if (eq > 0)
        params[p.slice(0, eq).trim().toLowerCase()] = p
          .slice(eq + 1)
          .trim()
          .replace(/^"|"$/g, '');
    }
    if (params.q === '0') continue;
    ranges.push({ type: type.trim().toLowerCase(), params });
  }
  return ranges;
}

function notAcceptable(what: string): RopError {
  return new RopError('DICOMWEB.NOT_ACCEPTABLE', `Cannot produce ${what} for the requested Accept header`);
}

const anyType = (r: MediaRange) => r.type === '*/*' || r.type === 'multipart/*';

/**
 * Checks a WADO-RS multipart request (PS3.18 8.7.3): `multipart/related` with `type` equal to
 * `partType` (or absent), and a `transfer-syntax` that is `*`, absent or one of `syntaxes`
 * (the gateway does not transcode). An absent or `*\/*` header is fine.
 */
export function assertMultipartAccept(
  header: string | string[] | undefined,
  partType: string,
  syntaxes: readonly string[],
): void {
  const ranges = parseAccept(header);
  if (ranges.length === 0) return;
  const ok = ranges.some((r) => {
    if (r.type === '*/*') return true;
    if (r.type !== 'multipart/related' && !anyType(r)) return false;
    const t = r.params.type?.toLowerCase();
    if (t !== undefined && t !== partType && t !== '*/*' && t !== `${partType.split('/')[0]}/*`) return false;
    const ts = r.params['transfer-syntax'];
    return ts === undefined || ts === '*' || syntaxes.every((s) => s === ts);
  });
  if (!ok) throw notAcceptable(`multipart/related; type="${partType}"`);
}

/** Checks that one of `types` (e.g. application/dicom+json) is acceptable. */
export function assertSingleAccept(header: string | string[] | undefined, types: readonly string[]): void {
  const ranges = parseAccept(header);
  if (ranges.length === 0) return;
  const ok = ranges.some(
    (r) => r.type === '*/*' || types.includes(r.type) || types.some((t) => r.type === `${t.split('/')[0]}/*`),
  );
  if (!ok) throw notAcceptable(types[0]);
}
