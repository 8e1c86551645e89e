import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../bin/rop.mjs');

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function rop(args: string[], env: NodeJS.ProcessEnv = {}): RunResult {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A temp dir the embedded Postgres (running as `postgres`) can traverse. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  return dir;
}

export interface RunningGateway {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  dicomweb: string;
  dimse: { host: string; port: number; aeTitle: string } | null;
  /** Resolves to the exit code. */
  exited: Promise<number | null>;
}

/** Spawns `rop gateway ...args` and waits for its "DICOMweb ..." line (or `ready`). */
export async function startGateway(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  ready: RegExp = /DICOMweb (\S+),/,
): Promise<RunningGateway> {
  const child = spawn(process.execPath, [BIN, 'gateway', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 90_000;
  while (!ready.test(out)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`rop gateway did not start (exit ${child.exitCode}):\n${out}\n${err}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const dicomweb = /DICOMweb (\S+),/.exec(out)?.[1] ?? '';
  const m = /DIMSE (\S+)@([\d.]+):(\d+)/.exec(out);
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    dicomweb,
    dimse: m ? { aeTitle: m[1], host: m[2], port: Number(m[3]) } : null,
    exited,
  };
}

/** Postgres processes whose command line names this data dir. */
export function postgresProcessesFor(dataDir: string): string[] {
  const r = spawnSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
  return r.stdout.split('\n').filter((l) => l.includes(dataDir) && /postgres/.test(l));
}
