import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { RopError, type PluginContext } from '@ropline/core';
import { PrismaClient } from './generated/prisma/client.js';
import { describeUrl, embeddedDir, parseDbConfig, redact, type DbConfigInput } from './db-config.schema.js';
import { startEmbeddedPostgres, type EmbeddedServer } from './embedded-postgres.js';
import { applyMigrations, DEFAULT_MIGRATIONS_DIR, readMigrations, type MigrationReport } from './migrate.js';

export interface Database {
  prisma: PrismaClient;
  /** Connection URL (holds the password: never log it; use `describeUrl`). */
  url: string;
  /** `embedded` when this process uses the embedded server under the data dir. */
  mode: 'external' | 'embedded';
  migrations: MigrationReport;
  /**
   * A small `pg` pool for hot paths that want one parameterized statement per round trip without
   * ORM query compilation (the gateway's ingest). Created on first use; ended by `close()`.
   */
  sql(): pg.Pool;
  /** Disconnects Prisma and stops an embedded server this process started. Safe to call twice. */
  close(): Promise<void>;
}

const silent: PluginContext = { log: () => {} };

async function connectPg(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
    return client;
  } catch (e) {
    await client.end().catch(() => undefined);
    throw new RopError(
      'DB.UNAVAILABLE',
      `Cannot connect to Postgres at ${describeUrl(url)}: ${redact((e as Error).message, url)}. Check --database-url / DATABASE_URL, or unset it to use the embedded Postgres`,
      { target: describeUrl(url) },
      { cause: e },
    );
  }
}

/**
 * Opens ROPline's database: `databaseUrl` (or env DATABASE_URL) if set, else the embedded
 * Postgres under `<dataDir>/postgres`; applies pending migrations; returns a Prisma client.
 */
export async function openDatabase(
  config: DbConfigInput = {},
  ctx: PluginContext = silent,
): Promise<Database> {
  const cfg = parseDbConfig(config);
  let embedded: EmbeddedServer | null = null;
  let url = cfg.databaseUrl;
  if (!url) {
    embedded = await startEmbeddedPostgres(embeddedDir(cfg), { port: cfg.embedded.port }, ctx);
    url = embedded.url;
  }
  let migrations: MigrationReport = { applied: [], alreadyApplied: [] };
  try {
    const client = await connectPg(url);
    try {
      if (cfg.migrate) {
        migrations = await applyMigrations(
          client,
          await readMigrations(cfg.migrationsDir ?? DEFAULT_MIGRATIONS_DIR),
          ctx,
        );
      }
    } finally {
      await client.end().catch(() => undefined);
    }
  } catch (e) {
    await embedded?.stop().catch(() => undefined);
    throw e;
  }
  const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: url }) });
  ctx.log('debug', 'database open', { target: describeUrl(url), mode: embedded ? 'embedded' : 'external' });
  let closing: Promise<void> | null = null;
  let pool: pg.Pool | null = null;
  return {
    prisma,
    url,
    mode: embedded ? 'embedded' : 'external',
    migrations,
    sql() {
      if (!pool) {
        pool = new pg.Pool({
          connectionString: url,
          max: 10,
          idleTimeoutMillis: 10_000,
          allowExitOnIdle: true,
        });
        // An idle connection the server dropped (e.g. Postgres stopping): the pool discards it.
        pool.on('error', () => undefined);
      }
      return pool;
    },
    close() {
      closing ??= (async () => {
        await pool?.end().catch(() => undefined);
        await prisma.$disconnect().catch(() => undefined);
        await embedded?.stop();
      })();
      return closing;
    },
  };
}
