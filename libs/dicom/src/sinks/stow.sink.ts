import { createReadStream } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { RopError } from '@ropline/core';
import { hex4, type DicomFile, type SendOutcome } from './dicom-file.js';

/** ECONNREFUSED, timeouts & co. -> SEND.CONNECTION_FAILED (one line at the CLI edge). */
export function connectionError(target: string, e: unknown): RopError {
  const err = e as NodeJS.ErrnoException;
  return new RopError(
    'SEND.CONNECTION_FAILED',
    `cannot reach ${target}: ${err?.code ?? err?.message ?? String(e)} (is the gateway running? see rop gateway)`,
    {},
    { cause: e },
  );
}

export interface StowTarget {
  /** DICOMweb base URL; STOW-RS posts to `${base}/studies`. */
  base: URL;
  /** Bearer token, or basic credentials (never logged). */
  token?: string;
  basic?: { username: string; password: string };
  /** Whole request (send + reply) limit; default none. */
  timeoutMs?: number;
  /** Ask QIDO first which instances the receiver already holds (reported as `already`). Default true. */
  probeHeld?: boolean;
}

function request(
  url: URL,
  init: { method: string; headers: Record<string, string | number>; body?: Readable; timeoutMs?: number },
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
    if (init.timeoutMs) {
      req.setTimeout(init.timeoutMs, () =>
        req.destroy(Object.assign(new Error(`no answer within ${init.timeoutMs} ms`), { code: 'ETIMEDOUT' })),
      );
    }
    if (init.body) {
      init.body.on('error', (e) => req.destroy(e));
      init.body.pipe(req);
    } else req.end();
  });
}

function authHeaders(t: StowTarget): Record<string, string> {
  if (t.token) return { authorization: `Bearer ${t.token}` };
  if (t.basic) {
    const cred = Buffer.from(`${t.basic.username}:${t.basic.password}`).toString('base64');
    return { authorization: `Basic ${cred}` };
  }
  return {};
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
      timeoutMs: t.timeoutMs,
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

/**
 * Sends `files` in one STOW-RS request (streamed from disk) and maps the PS3.18 reply to one outcome
 * per file: stored (ReferencedSOPSequence), failed with the FailureReason (FailedSOPSequence), or
 * failed with `HTTP nnn` when the whole request was refused. Throws SEND.CONNECTION_FAILED when the
 * receiver cannot be reached or does not answer within `timeoutMs`.
 */
export async function stowBatch(t: StowTarget, files: DicomFile[]): Promise<SendOutcome[]> {
  const held =
    t.probeHeld === false
      ? new Set<string>()
      : await alreadyHeld(
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
      timeoutMs: t.timeoutMs,
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
