import path from 'node:path';
import { z } from 'zod';
import { RopError } from '@ropline/core';

const postgresUrl = z.string().refine((s) => /^postgres(ql)?:\/\/[^/]+/.test(s) && URL.canParse(s), {
  message: 'expected a postgres URL like postgresql://user:password@host:5432/ropline',
});

/**
 * Database configuration. `databaseUrl` (or env DATABASE_URL) points at any Postgres; without one
 * an embedded Postgres 18 is started under `embedded.dir` (default `<dataDir>/postgres`).
 */
export const dbConfigSchema = z
  .object({
    databaseUrl: postgresUrl.optional(),
    /** ROPline's local state directory (`var/`); env ROPLINE_DATA_DIR. */
    dataDir: z.string().min(1).default('var'),
    embedded: z
      .object({
        /** Postgres data directory; default `<dataDir>/postgres`. */
        dir: z.string().min(1).optional(),
        /** Port for a newly started server; default: a free loopback port. */
        port: z.number().int().min(1).max(65535).optional(),
      })
      .strict()
      .prefault({}),
    /** Apply pending migrations from prisma/migrations on open (default true). */
    migrate: z.boolean().default(true),
    /** Directory of Prisma-style migrations (`<timestamp>_<name>/migration.sql`). */
    migrationsDir: z.string().min(1).optional(),
  })
  .strict();

export type DbConfigInput = z.input<typeof dbConfigSchema>;
export type DbConfig = z.output<typeof dbConfigSchema>;

/** Validates `config`, filling databaseUrl/dataDir from env DATABASE_URL / ROPLINE_DATA_DIR. */
export function parseDbConfig(config: DbConfigInput = {}, env: NodeJS.ProcessEnv = process.env): DbConfig {
  const withEnv = {
    ...config,
    databaseUrl: config.databaseUrl ?? (env.DATABASE_URL || undefined),
    dataDir: config.dataDir ?? (env.ROPLINE_DATA_DIR || undefined),
  };
  const parsed = dbConfigSchema.safeParse(withEnv);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new RopError(
      'CONFIG.INVALID',
      `Invalid database config: ${issues}. Set --database-url / DATABASE_URL to a postgresql:// URL, or leave it unset for the embedded Postgres under --data-dir (default var/)`,
    );
  }
  return parsed.data;
}

export function embeddedDir(config: DbConfig): string {
  return path.resolve(config.embedded.dir ?? path.join(config.dataDir, 'postgres'));
}

/** `host:port` of a URL, for messages: never the user or password. */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname || 'localhost'}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return '(unparseable URL)';
  }
}

/** Removes any password from a text that might echo a connection string. */
export function redact(text: string, url?: string): string {
  let out = text.replace(/(postgres(?:ql)?:\/\/[^:/@\s]*:)[^@\s]*@/g, '$1***@');
  if (url) {
    try {
      const pw = decodeURIComponent(new URL(url).password);
      if (pw) out = out.split(pw).join('***');
    } catch {
      // unparseable URL: nothing more to redact
    }
  }
  return out;
}
