import { chmod, cp, mkdtemp, rm, stat, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRopError } from '@ropline/core';
import { DEFAULT_MIGRATIONS_DIR, openDatabase, parseDbConfig, readMigrations, redact } from './index.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'rop-db-'));
  await chmod(root, 0o755); // Postgres runs as the `postgres` user when we are root
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function rejection(p: Promise<unknown>) {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

describe('parseDbConfig', () => {
  it('refuses a non-postgres URL with CONFIG.INVALID and says how to fix it', () => {
    let err: unknown;
    try {
      parseDbConfig({ databaseUrl: 'mysql://u:p@h/db' }, {});
    } catch (e) {
      err = e;
    }
    expect(isRopError(err, 'CONFIG.INVALID')).toBe(true);
    expect((err as Error).message).toContain('DATABASE_URL');
  });

  it('takes DATABASE_URL and ROPLINE_DATA_DIR from the environment', () => {
    const cfg = parseDbConfig(
      {},
      { DATABASE_URL: 'postgresql://a:b@db:5433/x', ROPLINE_DATA_DIR: '/srv/rop' },
    );
    expect(cfg.databaseUrl).toBe('postgresql://a:b@db:5433/x');
    expect(cfg.dataDir).toBe('/srv/rop');
  });

  it('redacts passwords from messages', () => {
    expect(redact('failed postgresql://u:s3cret@h:5/db', 'postgresql://u:s3cret@h:5/db')).toBe(
      'failed postgresql://u:***@h:5/db',
    );
  });
});

describe('openDatabase (embedded Postgres)', () => {
  it('reports DB.UNAVAILABLE with host:port and without the password', async () => {
    const err = await rejection(
      openDatabase({ databaseUrl: 'postgresql://rop:topsecret@127.0.0.1:1/ropline' }),
    );
    expect(isRopError(err, 'DB.UNAVAILABLE')).toBe(true);
    expect((err as Error).message).toContain('127.0.0.1:1');
    expect((err as Error).message).not.toContain('topsecret');
  });

  it('initialises, migrates, reuses the data dir and is idempotent on a second open', async () => {
    const dataDir = path.join(root, 'var');
    const all = (await readMigrations()).map((m) => m.name);
    expect(all[0]).toBe('20261127000000_init');
    const first = await openDatabase({ dataDir });
    expect(first.mode).toBe('embedded');
    expect(first.url).toMatch(/^postgresql:\/\/postgres:[^@]+@127\.0\.0\.1:\d+\/ropline\?host=/);
    // Clients connect through the cluster's Unix socket, in its own data directory.
    const socketDir = new URL(first.url).searchParams.get('host')!;
    expect(socketDir.startsWith(dataDir)).toBe(true);
    expect((await stat(path.join(socketDir, `.s.PGSQL.${new URL(first.url).port}`))).isSocket()).toBe(true);
    const [{ addr }] = await first.prisma.$queryRaw<{ addr: string | null }[]>`
      SELECT inet_client_addr()::text AS addr`;
    expect(addr).toBeNull(); // NULL over a Unix socket, 127.0.0.1 over TCP
    expect(first.migrations.applied).toEqual(all);
    const tables = await first.prisma.$queryRaw<{ tablename: string }[]>`
      SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`;
    expect(tables.map((t) => t.tablename)).toEqual(
      expect.arrayContaining(['model_events', 'registered_models', 'ropline_migrations']),
    );
    await first.close();
    await first.close(); // idempotent

    const second = await openDatabase({ dataDir });
    expect(second.migrations).toEqual({ applied: [], alreadyApplied: all });
    expect(await second.prisma.registeredModel.count()).toBe(0);

    // A second process-like opener on the same data dir reuses the running server.
    const third = await openDatabase({ dataDir });
    expect(new URL(third.url).port).toBe(new URL(second.url).port);
    expect(third.url).toBe(second.url); // the socket directory read back from postmaster.pid
    expect(await third.prisma.registeredModel.count()).toBe(0);
    await third.close();
    await second.close();
  });

  it('two concurrent opens of one fresh data dir share one server and migrate once', async () => {
    const dataDir = path.join(root, 'var-concurrent');
    const [a, b] = await Promise.all([openDatabase({ dataDir }), openDatabase({ dataDir })]);
    expect(new URL(a.url).port).toBe(new URL(b.url).port);
    const all = (await readMigrations()).map((m) => m.name);
    expect([...a.migrations.applied, ...b.migrations.applied].sort()).toEqual(all);
    await b.close();
    await a.close();
  });

  it('refuses an applied migration that was modified afterwards', async () => {
    const dataDir = path.join(root, 'var-modified');
    const migrationsDir = path.join(root, 'migrations');
    await cp(DEFAULT_MIGRATIONS_DIR, migrationsDir, { recursive: true });
    await writeFile(path.join(migrationsDir, 'migration_lock.toml'), 'provider = "postgresql"\n');
    await (await openDatabase({ dataDir, migrationsDir })).close();
    await appendFile(path.join(migrationsDir, '20261127000000_init', 'migration.sql'), '\n-- edited\n');
    const err = await rejection(openDatabase({ dataDir, migrationsDir }));
    expect((err as { code?: string }).code).toBe('DB.MIGRATION_MODIFIED');
    expect((err as Error).message).toContain('20261127000000_init');
  });
});
