import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RopError } from '@ropline/core';
import type { RetrainOutcome, RetrainProgress, RetrainSteps } from './retraining.service.js';

const ROP = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../tools/cli/bin/rop.mjs');
const NICE = '/usr/bin/nice';

export interface CliStepsOptions {
  /** The live database URL (the embedded server of this process works too). */
  databaseUrl: string;
  /** ROPline's data dir: blobs, pseudonym key, registry store. */
  dataDir: string;
  /** Where runs keep their snapshot and candidate (default `<dataDir>/retraining`). */
  runsDir?: string;
  /** The `rop` entry point (tests may point elsewhere). */
  rop?: string;
}

/** Runs `rop args...` at low CPU priority; JSON lines on stdout go to `onLine`; fails with its last stderr line. */
function runRop(
  o: CliStepsOptions,
  args: string[],
  onLine: (json: Record<string, unknown>) => void,
): Promise<void> {
  const argv = [o.rop ?? ROP, ...args, '--data-dir', o.dataDir, '--database-url', o.databaseUrl];
  // nice 10: training shares the machine with the analysis worker, which must keep its priority.
  const [cmd, cmdArgs] = existsSync(NICE)
    ? [NICE, ['-n', '10', process.execPath, ...argv]]
    : [process.execPath, argv];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, cmdArgs, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ROP_DEBUG: '' },
    });
    let buf = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => {
      buf += c.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (line.startsWith('{')) {
          try {
            onLine(JSON.parse(line) as Record<string, unknown>);
          } catch {
            // not a JSON line
          }
        }
      }
    });
    child.stderr.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-4000)));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) return resolve();
      const last = err.trim().split('\n').filter(Boolean).pop() ?? `exit ${code}`;
      const m = /^rop: ([A-Z_]+\.[A-Z_.]+): (.*)$/.exec(last);
      reject(new RopError(m?.[1] ?? 'RETRAIN.STEP_FAILED', m?.[2] ?? `rop ${args[0]} failed: ${last}`));
    });
  });
}

/**
 * The retraining steps as the data scientist would run them by hand (README: three commands), in
 * child processes: `rop dataset snapshot --json` then `rop retrain --progress-json` (which registers
 * the candidate with both reports). Progress: snapshot 0-10 %, training and evaluation 10-100 %.
 */
export function cliRetrainSteps(o: CliStepsOptions): RetrainSteps {
  return async (run, onProgress) => {
    const dir = path.join(o.runsDir ?? path.join(o.dataDir, 'retraining'), run.id);
    const snapshot = path.join(dir, 'snapshot');
    const p = run.params;
    onProgress({ phase: 'snapshot', fraction: 0 });
    let snap: { hash?: string; images?: number } = {};
    await runRop(
      o,
      [
        'dataset',
        'snapshot',
        '--out',
        snapshot,
        '--json',
        '--force',
        ...(p.include ? ['--include', p.include] : []),
      ],
      (j) => (snap = j),
    );
    if (!snap.hash) throw new RopError('RETRAIN.STEP_FAILED', 'the snapshot printed no result');
    onProgress({ phase: 'snapshot', fraction: 0.1, message: `${snap.images ?? '?'} images` });
    let result: Record<string, unknown> | null = null;
    await runRop(
      o,
      [
        'retrain',
        '--dataset',
        snapshot,
        '--out',
        path.join(dir, 'candidate'),
        '--from',
        p.from,
        '--profile',
        p.profile,
        '--name',
        p.name,
        '--by',
        run.requestedBy,
        '--progress-json',
        ...(p.epochsSeg ? ['--epochs-seg', String(p.epochsSeg)] : []),
        ...(p.epochsCls ? ['--epochs-cls', String(p.epochsCls)] : []),
      ],
      (j) => {
        if (j.event === 'progress') {
          onProgress({
            phase: String(j.phase),
            fraction: 0.1 + 0.9 * Math.min(1, Math.max(0, Number(j.fraction) || 0)),
            ...(typeof j.etaSeconds === 'number' ? { etaSeconds: j.etaSeconds } : {}),
            ...(typeof j.message === 'string' ? { message: j.message } : {}),
          } satisfies RetrainProgress);
        } else if (j.event === 'result') result = j;
      },
    );
    const r = result as Record<string, unknown> | null;
    if (!r) throw new RopError('RETRAIN.STEP_FAILED', 'rop retrain printed no result');
    return {
      snapshotHash: snap.hash,
      candidateName: String(r.name),
      candidateVersion: String(r.version),
      metrics: r.metrics,
    } satisfies RetrainOutcome;
  };
}
