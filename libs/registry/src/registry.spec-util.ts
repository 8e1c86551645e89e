// Test helpers: a real embedded Postgres in a temp dir and tiny pipeline artifacts.
import { chmod, cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openDatabase, type Database } from '@ropline/db';
import { initBackend } from '@ropline/models';
import { writeTinyPipeline } from '@ropline/models/testing';

export interface TestEnv {
  root: string;
  db: Database;
  base: string;
  /** A copy of the base pipeline with pipeline.json fields replaced (components stay identical). */
  variant(patch: Record<string, unknown>, raw?: (json: string) => string): Promise<string>;
  dispose(): Promise<void>;
}

export async function createTestEnv(): Promise<TestEnv> {
  const root = await mkdtemp(path.join(tmpdir(), 'rop-registry-'));
  await chmod(root, 0o755); // as root, Postgres runs as `postgres` and must traverse this dir
  const db = await openDatabase({ dataDir: path.join(root, 'var') });
  const base = path.join(root, 'base');
  await initBackend({ backend: 'cpu' }, { log: () => {} }); // tiny models: cpu is plenty
  await writeTinyPipeline(base, 'hybrid');
  let n = 0;
  return {
    root,
    db,
    base,
    async variant(patch, raw) {
      const dir = path.join(root, `variant-${++n}`);
      await cp(base, dir, { recursive: true });
      const file = path.join(dir, 'pipeline.json');
      const json = JSON.stringify({ ...JSON.parse(await readFile(file, 'utf8')), ...patch }, null, 2);
      await writeFile(file, raw ? raw(json) : json);
      return dir;
    },
    async dispose() {
      await db.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}

export async function rejection(p: Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await p;
  } catch (e) {
    return e as { code?: string; message: string };
  }
  throw new Error('expected a rejection');
}
