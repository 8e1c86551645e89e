import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { SingleBar } from 'cli-progress';
import { RopError } from '@ropline/core';
import {
  connectionError,
  cstoreBatch,
  readDicomMeta,
  stowBatch,
  type DicomFile,
  type SendOutcome,
} from '@ropline/dicom';
import { runCommand } from '../run-command.js';
import { parsePositiveInt } from './options.js';

async function walk(dir: string, out: string[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) await walk(p, out);
    else if (e.isFile()) out.push(p);
  }
}

/**
 * Files named on the command line and, recursively, files under named directories. A file without
 * the DICM preamble is a failure (NOT_DICOM) when named or called *.dcm, and skipped otherwise
 * (JPEGs, CSVs next to the DICOM files).
 */
export async function collectDicomFiles(
  inputs: string[],
): Promise<{ files: DicomFile[]; rejected: SendOutcome[]; skipped: number }> {
  const files: DicomFile[] = [];
  const rejected: SendOutcome[] = [];
  const seen = new Set<string>();
  let skipped = 0;
  for (const input of inputs) {
    const st = await stat(input);
    const candidates: { file: string; named: boolean }[] = [];
    if (st.isDirectory()) {
      const found: string[] = [];
      await walk(input, found);
      candidates.push(...found.map((file) => ({ file, named: false })));
    } else candidates.push({ file: input, named: true });
    for (const { file, named } of candidates) {
      const key = path.resolve(file);
      if (seen.has(key)) continue;
      seen.add(key);
      const meta = await readDicomMeta(file);
      if (!meta) {
        if (named || /\.dcm$/i.test(file)) {
          rejected.push({ file, status: 'failed', reason: 'NOT_DICOM (no DICM preamble)' });
        } else skipped++;
        continue;
      }
      files.push({ file, size: (await stat(file)).size, ...meta });
    }
  }
  return { files, rejected, skipped };
}

// ---------------------------------------------------------------------------------------------

interface SendOptions {
  stow?: string;
  cstore?: { host: string; port: number };
  aet: string;
  calledAet: string;
  batch: number;
  token?: string;
  progress: boolean;
}

function parseHostPort(value: string): { host: string; port: number } {
  const m = /^(.+):(\d+)$/.exec(value.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || !(port >= 1 && port <= 65535))
    throw new InvalidArgumentError('expected HOST:PORT, e.g. 127.0.0.1:11112');
  return { host: m[1].replace(/^\[(.*)\]$/, '$1'), port };
}

function parseStowUrl(value: string): string {
  try {
    const u = new URL(value);
    if (u.protocol === 'http:' || u.protocol === 'https:') return value;
  } catch {
    // fall through
  }
  throw new InvalidArgumentError('expected the DICOMweb base URL, e.g. http://127.0.0.1:8080/dicomweb');
}

function parseAet(value: string): string {
  if (!/^[\x20-\x5b\x5d-\x7e]{1,16}$/.test(value) || !value.trim())
    throw new InvalidArgumentError('an AE title is 1-16 printable ASCII characters without a backslash');
  return value.trim();
}

async function runSend(inputs: string[], o: SendOptions): Promise<void> {
  if (Boolean(o.stow) === Boolean(o.cstore)) {
    throw new RopError('SEND.USAGE', 'give exactly one of --stow URL or --cstore HOST:PORT');
  }
  const { files, rejected, skipped } = await collectDicomFiles(inputs);
  if (!files.length && !rejected.length) {
    throw new RopError('SEND.NO_FILES', `no DICOM files (with the DICM preamble) in ${inputs.join(', ')}`);
  }
  const target = o.stow ? `STOW-RS ${o.stow}` : `C-STORE ${o.calledAet}@${o.cstore!.host}:${o.cstore!.port}`;
  const bar =
    o.progress && process.stderr.isTTY && files.length > 1
      ? new SingleBar({
          format: 'sending [{bar}] {value}/{total} files | {eta}s left',
          stream: process.stderr,
        })
      : null;
  bar?.start(files.length, 0);
  const outcomes: SendOutcome[] = [...rejected];
  try {
    for (let i = 0; i < files.length; i += o.batch) {
      const batch = files.slice(i, i + o.batch);
      const result = o.stow
        ? await stowBatch({ base: new URL(o.stow), token: o.token }, batch)
        : await cstoreBatch({ ...o.cstore!, callingAet: o.aet, calledAet: o.calledAet }, batch);
      if (!o.stow && result.every((r) => r.reason?.startsWith('NETWORK (ECONNREFUSED'))) {
        throw connectionError(`${o.cstore!.host}:${o.cstore!.port}`, { code: 'ECONNREFUSED' });
      }
      outcomes.push(...result);
      bar?.increment(batch.length);
    }
  } finally {
    bar?.stop();
  }
  for (const r of outcomes.filter((x) => x.status === 'failed')) {
    process.stdout.write(
      `failed: ${r.file}${r.sopInstanceUid ? ` (${r.sopInstanceUid})` : ''}: ${r.reason}\n`,
    );
  }
  const stored = outcomes.filter((x) => x.status !== 'failed').length;
  const already = outcomes.filter((x) => x.status === 'already').length;
  const failed = outcomes.filter((x) => x.status === 'failed');
  const reasons = new Map<string, number>();
  for (const f of failed) {
    const key = (f.reason ?? 'failed').split(' (')[0];
    reasons.set(key, (reasons.get(key) ?? 0) + 1);
  }
  const reasonText = [...reasons].map(([k, n]) => `${k} x${n}`).join(', ');
  process.stdout.write(
    `rop send: ${outcomes.length} file(s) to ${target}: ${stored} stored` +
      `${o.stow ? ` (${already} already there)` : ''}, ${failed.length} failed${failed.length ? ` (${reasonText})` : ''}` +
      `${skipped ? `; ${skipped} non-DICOM file(s) skipped` : ''}\n`,
  );
  if (failed.length) {
    throw new RopError(
      'SEND.INCOMPLETE',
      `${failed.length} of ${outcomes.length} file(s) not stored: ${reasonText}`,
    );
  }
}

export function registerSendCommand(program: Command): void {
  program
    .command('send')
    .description(
      'Send DICOM files (files, or directories searched recursively for files with the DICM preamble) by ' +
        'STOW-RS or DIMSE C-STORE; prints one summary and exits 0 only when every file was stored',
    )
    .argument('<files-or-dirs...>', 'DICOM files and/or directories')
    .option('--stow <url>', 'DICOMweb base URL, e.g. http://127.0.0.1:8080/dicomweb', parseStowUrl)
    .option('--cstore <host:port>', 'DIMSE C-STORE SCP, e.g. 127.0.0.1:11112', parseHostPort)
    .option('--aet <aet>', 'our (calling) AE title for C-STORE', parseAet, 'ROPSEND')
    .option('--called-aet <aet>', 'their (called) AE title for C-STORE', parseAet, 'ROPLINE')
    .option('--batch <n>', 'instances per STOW request / per C-STORE association', parsePositiveInt, 20)
    .option('--token <token>', 'bearer token for STOW-RS (env ROPLINE_TOKEN)', process.env.ROPLINE_TOKEN)
    .option('--no-progress', 'no progress bar on stderr')
    .action((inputs: string[], opts: SendOptions) => runCommand(() => runSend(inputs, opts)));
}
