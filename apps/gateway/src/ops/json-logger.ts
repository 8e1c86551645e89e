import type { Writable } from 'node:stream';
import pino, { type DestinationStream, type Logger } from 'pino';
import type { PluginContext } from '@ropline/core';

/**
 * Second line of defence against PHI in logs. The gateway's code never puts patient attributes into
 * log meta in the first place (it logs UIDs, codes, counts, sizes); this layer drops any key named
 * like one (PatientName, PatientID, PatientBirthDate, AccessionNumber, OtherPatientIDs, their tags,
 * anything with "patient"/"accession"/"birthdate" in its name), blanks secrets (authorization,
 * token, password), and blanks any string that looks like a DICOM person name (`Family^Given`).
 */
const PHI_TAGS = new Set(['00100010', '00100020', '00100030', '00080050', '00101000', '00101001']);
const SECRET_KEY = /authorization|token|password|secret|cookie|connectionstring|databaseurl/;
const PHI_KEY = /patient|accession|birthdate|birthdt/;
/** `Doe^John`, `^John`, `DOE^^^DR` ...: a caret touching a letter. */
const PERSON_NAME = /[\p{L}]\^|\^[\p{L}]/u;
export const REDACTED = '[redacted]';

const normalize = (k: string) => k.toLowerCase().replace(/[^a-z0-9]/g, '');

export function redactValue(v: unknown, depth = 0): unknown {
  if (typeof v === 'string') return PERSON_NAME.test(v) ? REDACTED : v;
  if (v === null || typeof v !== 'object') return v;
  if (depth > 6) return '[depth]';
  if (v instanceof Error) {
    const code = (v as { code?: unknown }).code;
    return redactMeta({ name: v.name, message: v.message, ...(code ? { code } : {}) }, depth + 1);
  }
  if (Array.isArray(v)) return v.map((x) => redactValue(x, depth + 1));
  if (v instanceof Date) return v;
  return redactMeta(v as Record<string, unknown>, depth + 1);
}

/** A copy of `meta` without PHI-named keys, with secrets and person-name-like strings blanked. */
export function redactMeta(meta: Record<string, unknown>, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(meta)) {
    const k = normalize(key);
    if (PHI_KEY.test(k) || PHI_TAGS.has(k)) continue;
    out[key] = SECRET_KEY.test(k) ? REDACTED : redactValue(value, depth);
  }
  return out;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface JsonLoggerOptions {
  level?: LogLevel;
  /** A file path (appended, created), a file descriptor (1 = stdout, the default) or a stream. */
  destination?: string | number | Writable | DestinationStream;
  /** Extra fields on every line, e.g. { service: 'gateway' }. */
  base?: Record<string, unknown>;
}

export interface JsonLogger extends PluginContext {
  logger: Logger;
  /** Flushes buffered lines (file destinations); call before exit. */
  flush(): void;
}

/** A PluginContext writing one JSON object per line (pino), with the redaction layer above. */
export function createJsonLogger(options: JsonLoggerOptions = {}): JsonLogger {
  const d = options.destination ?? 1;
  const destination =
    typeof d === 'string' || typeof d === 'number'
      ? pino.destination({ dest: d, sync: typeof d === 'number', mkdir: typeof d === 'string' })
      : d;
  const logger = pino(
    {
      level: options.level ?? 'info',
      base: { service: 'ropline-gateway', ...options.base },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
  return {
    logger,
    log(level, msg, meta) {
      const text = PERSON_NAME.test(msg) ? REDACTED : msg;
      if (meta) logger[level](redactMeta(meta), text);
      else logger[level](text);
    },
    flush() {
      logger.flush();
    },
  };
}
