import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { RopError, type PluginContext } from '@ropline/core';

/** The repository's prisma/migrations (libs/db/src -> ../../../prisma/migrations). */
export const DEFAULT_MIGRATIONS_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../prisma/migrations',
);

/** Our own bookkeeping table; Prisma's `_prisma_migrations` is left alone. */
const TABLE = 'ropline_migrations';
/** pg_advisory_lock key: one migrator at a time per database ("ropm" in ASCII). */
const LOCK_KEY = 0x726f706d;

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationReport {
  applied: string[];
  alreadyApplied: string[];
}

/** Reads `<dir>/<name>/migration.sql` in name (timestamp) order. */
export async function readMigrations(dir: string = DEFAULT_MIGRATIONS_DIR): Promise<Migration[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((e: Error) => {
    throw new RopError('DB.MIGRATIONS_MISSING', `Cannot read migrations directory ${dir}: ${e.message}`);
  });
  const names = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  const out: Migration[] = [];
  for (const name of names) {
    const sql = await readFile(path.join(dir, name, 'migration.sql'), 'utf8');
    out.push({ name, sql, checksum: createHash('sha256').update(sql).digest('hex') });
  }
  return out;
}

/**
 * Applies pending migrations, each in its own transaction, recording name and sha256 in
 * `ropline_migrations`. A migration that was applied and has since been edited is refused
 * (`DB.MIGRATION_MODIFIED`): write a new migration instead. Concurrent callers serialize on an
 * advisory lock, so two processes opening one database apply each migration once.
 */
export async function applyMigrations(
  client: pg.Client,
  migrations: Migration[],
  ctx?: PluginContext,
): Promise<MigrationReport> {
  await client.query('SELECT pg_advisory_lock($1)', [LOCK_KEY]);
  try {
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${TABLE} (
         name text PRIMARY KEY,
         checksum char(64) NOT NULL,
         applied_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
    const { rows } = await client.query<{ name: string; checksum: string }>(
      `SELECT name, checksum FROM ${TABLE}`,
    );
    const done = new Map(rows.map((r) => [r.name, r.checksum]));
    const report: MigrationReport = { applied: [], alreadyApplied: [] };
    for (const m of migrations) {
      const applied = done.get(m.name);
      if (applied !== undefined) {
        if (applied !== m.checksum) {
          throw new RopError(
            'DB.MIGRATION_MODIFIED',
            `Migration ${m.name} was applied with sha256 ${applied.slice(0, 12)}… but its migration.sql now hashes to ${m.checksum.slice(0, 12)}…: restore it and put the change in a new migration`,
            { migration: m.name },
          );
        }
        report.alreadyApplied.push(m.name);
        continue;
      }
      await client.query('BEGIN');
      try {
        await client.query(m.sql);
        await client.query(`INSERT INTO ${TABLE} (name, checksum) VALUES ($1, $2)`, [m.name, m.checksum]);
        await client.query('COMMIT');
      } catch (e) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw new RopError(
          'DB.MIGRATION_FAILED',
          `Migration ${m.name} failed: ${(e as Error).message}`,
          { migration: m.name },
          { cause: e },
        );
      }
      ctx?.log('info', 'applied migration', { migration: m.name });
      report.applied.push(m.name);
    }
    const known = new Set(migrations.map((m) => m.name));
    const unknown = [...done.keys()].filter((n) => !known.has(n));
    if (unknown.length) {
      ctx?.log('warn', 'database has migrations this code does not know (newer code ran here?)', {
        migrations: unknown.join(','),
      });
    }
    return report;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]).catch(() => undefined);
  }
}
