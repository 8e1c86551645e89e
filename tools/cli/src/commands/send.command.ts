import { createReadStream } from 'node:fs';
import { open, readdir, readFile, stat } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { InvalidArgumentError, type Command } from 'commander';
import { SingleBar } from 'cli-progress';
import dcmjsDimse from 'dcmjs-dimse';
import { RopError } from '@ropline/core';
import { runCommand } from '../run-command.js';
import { parsePositiveInt } from './options.js';

/** A file to send with what its File Meta says (read from the first bytes, never the whole file). */
export interface DicomFile {
  file: string;
  size: number;
  sopClassUid?: string;
  sopInstanceUid?: string;
  transferSyntaxUid?: string;
  /** Where the data set starts (after the File Meta group). */
  datasetOffset?: number;
}

export interface SendOutcome {
  file: string;
  sopInstanceUid?: string;
  /** stored: acknowledged by the receiver; already: it held the same instance before this send. */
  status: 'stored' | 'already' | 'failed';
  /** e.g. 0xC000, DIMSE 0xA700, HTTP 415, NOT_DICOM. */
  reason?: string;
}

const META_READ = 64 * 1024;
const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'UC', 'UN', 'UR', 'UT', 'SV', 'UV']);

/**
 * Reads the Part-10 preamble and File Meta group (0002): `null` when there is no `DICM` at 128.
 * Explicit VR little endian by definition (PS3.10 7.1).
 */
export async function readDicomMeta(file: string): Promise<Omit<DicomFile, 'file' | 'size'> | null> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(META_READ);
    const { bytesRead } = await fh.read(buf, 0, META_READ, 0);
    if (bytesRead < 132 || buf.toString('latin1', 128, 132) !== 'DICM') return null;
    const meta: Omit<DicomFile, 'file' | 'size'> = {};
    let pos = 132;
    while (pos + 8 <= bytesRead && buf.readUInt16LE(pos) === 0x0002) {
      const element = buf.readUInt16LE(pos + 2);
      const vr = buf.toString('latin1', pos + 4, pos + 6);
      let len: number;
      let value: number;
      if (LONG_VRS.has(vr)) {
        if (pos + 12 > bytesRead) break;
        len = buf.readUInt32LE(pos + 8);
        value = pos + 12;
      } else {
        len = buf.readUInt16LE(pos + 6);
        value = pos + 8;
      }
      if (value + len > bytesRead) break;
      const text = () =>
        buf
          .toString('latin1', value, value + len)
          .replace(/[\0 ]+$/, '')
          .trim();
      if (element === 0x0002) meta.sopClassUid = text();
      else if (element === 0x0003) meta.sopInstanceUid = text();
      else if (element === 0x0010) meta.transferSyntaxUid = text();
      pos = value + len;
    }
    meta.datasetOffset = pos;
    return meta;
  } finally {
    await fh.close();
  }
}

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

const hex4 = (n: number) => `0x${n.toString(16).toUpperCase().padStart(4, '0')}`;

/** ECONNREFUSED & co. -> one line for the CLI edge. */
function connectionError(target: string, e: unknown): RopError {
  const err = e as NodeJS.ErrnoException;
  return new RopError(
    'SEND.CONNECTION_FAILED',
    `cannot reach ${target}: ${err?.code ?? err?.message ?? String(e)} (is the gateway running? see rop gateway)`,
    {},
    { cause: e },
  );
}

// ---------------------------------------------------------------------------------------------
// STOW-RS

interface StowTarget {
  base: URL;
  token?: string;
}

function request(
  url: URL,
  init: { method: string; headers: Record<string, string | number>; body?: Readable },
): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  const lib = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(url, { method: init.method, headers: init.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          body: Buffer.concat(chunks).toString('utf8'),
          headers: res.headers,
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    if (init.body) {
      init.body.on('error', (e) => req.destroy(e));
      init.body.pipe(req);
    } else req.end();
  });
}

function authHeaders(t: StowTarget): Record<string, string> {
  return t.token ? { authorization: `Bearer ${t.token}` } : {};
}

/** QIDO probe: which of these instances does the receiver hold already (best effort; empty on any error). */
async function alreadyHeld(t: StowTarget, uids: string[]): Promise<Set<string>> {
  const held = new Set<string>();
  if (!uids.length) return held;
  try {
    const url = new URL(`${t.base.href.replace(/\/$/, '')}/instances`);
    url.searchParams.set('SOPInstanceUID', uids.join(','));
    url.searchParams.set('limit', String(Math.min(1000, uids.length)));
    const r = await request(url, {
      method: 'GET',
      headers: { accept: 'application/dicom+json', ...authHeaders(t) },
    });
    if (r.status !== 200) return held;
    for (const item of JSON.parse(r.body) as Record<string, { Value?: unknown[] }>[]) {
      const v = item['00080018']?.Value?.[0];
      if (typeof v === 'string') held.add(v);
    }
  } catch {
    // not a ROPline/QIDO endpoint, or no search permission: report plain "stored"
  }
  return held;
}

/** multipart/related; type="application/dicom", streamed part by part from disk. */
function multipartBody(files: DicomFile[], boundary: string): { stream: Readable; length: number } {
  const head = (f: DicomFile) =>
    Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\nContent-Length: ${f.size}\r\n\r\n`);
  const tail = Buffer.from(`--${boundary}--\r\n`);
  const crlf = Buffer.from('\r\n');
  const length = files.reduce((n, f) => n + head(f).length + f.size + crlf.length, tail.length);
  async function* parts(): AsyncGenerator<Buffer> {
    for (const f of files) {
      yield head(f);
      for await (const chunk of createReadStream(f.file)) yield chunk as Buffer;
      yield crlf;
    }
    yield tail;
  }
  return { stream: Readable.from(parts()), length };
}

type DicomJson = Record<string, { Value?: unknown[] } | undefined>;

function firstString(item: DicomJson, tag: string): string | undefined {
  const v = item[tag]?.Value?.[0];
  return typeof v === 'string' ? v : undefined;
}

export async function stowBatch(t: StowTarget, files: DicomFile[]): Promise<SendOutcome[]> {
  const held = await alreadyHeld(
    t,
    files.map((f) => f.sopInstanceUid).filter((u): u is string => Boolean(u)),
  );
  const boundary = `ropline-${randomBytes(12).toString('hex')}`;
  const { stream, length } = multipartBody(files, boundary);
  const url = new URL(`${t.base.href.replace(/\/$/, '')}/studies`);
  let r: Awaited<ReturnType<typeof request>>;
  try {
    r = await request(url, {
      method: 'POST',
      headers: {
        'content-type': `multipart/related; type="application/dicom"; boundary=${boundary}`,
        'content-length': length,
        accept: 'application/dicom+json',
        ...authHeaders(t),
      },
      body: stream,
    });
  } catch (e) {
    throw connectionError(url.origin, e);
  }
  let reply: DicomJson | null;
  try {
    const parsed: unknown = JSON.parse(r.body);
    reply = (Array.isArray(parsed) ? parsed[0] : parsed) as DicomJson;
  } catch {
    reply = null;
  }
  const referenced = (reply?.['00081199']?.Value ?? []) as DicomJson[];
  const failedItems = (reply?.['00081198']?.Value ?? []) as DicomJson[];
  if (![200, 202, 409].includes(r.status) || !reply) {
    const code = (() => {
      try {
        return (JSON.parse(r.body) as { code?: string }).code;
      } catch {
        return undefined;
      }
    })();
    const reason = `HTTP ${r.status}${code ? ` ${code}` : ''}`;
    return files.map((f) => ({ file: f.file, sopInstanceUid: f.sopInstanceUid, status: 'failed', reason }));
  }
  const stored = new Set(referenced.map((i) => firstString(i, '00081155')));
  const failed = new Map<string, string>();
  for (const item of failedItems) {
    const uid = firstString(item, '00081155');
    const code = item['00081197']?.Value?.[0];
    const reason = typeof code === 'number' ? hex4(code) : 'failed';
    failed.set(uid ?? `#${failed.size}`, reason);
  }
  const anonymousFailures = [...failed.entries()].filter(([k]) => k.startsWith('#')).map(([, v]) => v);
  return files.map((f): SendOutcome => {
    const uid = f.sopInstanceUid;
    if (uid && stored.has(uid)) {
      return { file: f.file, sopInstanceUid: uid, status: held.has(uid) ? 'already' : 'stored' };
    }
    const reason = (uid && failed.get(uid)) ?? anonymousFailures.shift() ?? 'not in the reply';
    return { file: f.file, sopInstanceUid: uid, status: 'failed', reason };
  });
}

// ---------------------------------------------------------------------------------------------
// C-STORE

const { Client, Dataset, requests, constants, log: dimseLog } = dcmjsDimse;
type CStoreResponse = dcmjsDimse.responses.CStoreResponse;

/**
 * A data set sent exactly as it is in the file: dcmjs-dimse would otherwise re-encode it (a few bytes
 * differ), so a C-STORE would not match a STOW-RS of the same file. It still parses the elements:
 * when the receiver accepts another transfer syntax, dcmjs-dimse transcodes into a plain Dataset.
 */
class RawDataset extends Dataset {
  constructor(
    private readonly raw: Buffer,
    transferSyntaxUid: string,
  ) {
    super(raw, transferSyntaxUid);
  }
  override getDenaturalizedDataset(): Buffer {
    return this.raw;
  }
}

async function cstoreRequest(f: DicomFile): Promise<InstanceType<typeof requests.CStoreRequest>> {
  if (f.transferSyntaxUid && f.datasetOffset) {
    const raw = (await readFile(f.file)).subarray(f.datasetOffset);
    const ds = new RawDataset(raw, f.transferSyntaxUid);
    if (ds.getElement('SOPInstanceUID')) return new requests.CStoreRequest(ds);
  }
  return new requests.CStoreRequest(f.file);
}

export interface CStoreTarget {
  host: string;
  port: number;
  callingAet: string;
  calledAet: string;
}

/** One association per batch; statuses per PS3.4 B.2.3 (warnings B000/B007/B006 count as stored). */
export async function cstoreBatch(t: CStoreTarget, files: DicomFile[]): Promise<SendOutcome[]> {
  const reqs = new Map<string, InstanceType<typeof requests.CStoreRequest> | Error>();
  for (const f of files) {
    reqs.set(
      f.file,
      await cstoreRequest(f).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e)))),
    );
  }
  // dcmjs-dimse logs every association to stdout (and can print data sets): never in the CLI.
  dimseLog.setLevel(process.env.ROP_DEBUG ? 'info' : 'silent');
  return new Promise((resolve) => {
    const outcomes = new Map<string, SendOutcome>();
    const client = new Client();
    let fatal: string | null = null;
    for (const f of files) {
      const req = reqs.get(f.file)!;
      if (req instanceof Error) {
        outcomes.set(f.file, {
          file: f.file,
          sopInstanceUid: f.sopInstanceUid,
          status: 'failed',
          reason: `UNREADABLE (${req.message.split('\n')[0]})`,
        });
        continue;
      }
      req.on('response', (res: CStoreResponse) => {
        const status = res.getStatus();
        const ok = status === constants.Status.Success || (status & 0xf000) === 0xb000;
        const comment = res.getErrorComment?.();
        outcomes.set(f.file, {
          file: f.file,
          sopInstanceUid: f.sopInstanceUid,
          status: ok ? 'stored' : 'failed',
          ...(ok ? {} : { reason: `DIMSE ${hex4(status)}${comment ? ` ${comment}` : ''}` }),
        });
      });
      client.addRequest(req);
    }
    const finish = () => {
      resolve(
        files.map(
          (f) =>
            outcomes.get(f.file) ?? {
              file: f.file,
              sopInstanceUid: f.sopInstanceUid,
              status: 'failed',
              reason: fatal ?? 'no C-STORE response',
            },
        ),
      );
    };
    client.on('associationRejected', (r: { result: number; source: number; reason: number }) => {
      fatal = `ASSOCIATION_REJECTED (result ${r.result}, source ${r.source}, reason ${r.reason})`;
    });
    client.on('networkError', (e: Error) => {
      fatal ??= `NETWORK (${(e as NodeJS.ErrnoException).code ?? e.message})`;
    });
    client.on('closed', finish);
    if (outcomes.size === files.length) return finish();
    client.send(t.host, t.port, t.callingAet, t.calledAet, { associationLingerTimeout: 0 });
    // dcmjs-dimse does not disable Nagle: without this each C-STORE waits ~40 ms (notes/STACK.md).
    (client as unknown as { network?: { socket?: Socket } }).network?.socket?.setNoDelay(true);
  });
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
