/**
 * One error base for the whole workspace. `code` is stable (documented, matched by callers and
 * translated at the edges: HTTP/DICOM status, DIMSE status, CLI exit code); `message` is for humans;
 * `meta` must never hold PHI (patient name, ID, birth date, accession number) nor pixel data.
 */
export type ErrorMeta = Record<string, string | number | boolean | null | undefined>;

export class RopError extends Error {
  override readonly name = 'RopError';
  constructor(
    readonly code: string,
    message: string,
    readonly meta: ErrorMeta = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  toJSON(): { code: string; message: string; meta: ErrorMeta } {
    return { code: this.code, message: this.message, meta: this.meta };
  }
}

export function isRopError(e: unknown, codePrefix?: string): e is RopError {
  return e instanceof RopError && (codePrefix === undefined || e.code.startsWith(codePrefix));
}

/** Wraps anything thrown into a RopError with `code`, keeping an existing RopError as is. */
export function asRopError(e: unknown, code: string, message?: string): RopError {
  if (e instanceof RopError) return e;
  const text = e instanceof Error ? e.message : String(e);
  return new RopError(code, message ? `${message}: ${text}` : text, {}, { cause: e });
}

/** Result type for expected outcomes that are values, not exceptions. */
export type Result<T, E = RopError> = { ok: true; value: T } | { ok: false; error: E };
