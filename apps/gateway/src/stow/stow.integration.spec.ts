import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../create-gateway.js';
import { makeTempDir } from '../testing/temp-dir.util.js';
import {
  createDicomWebClient,
  makeInstance,
  multipartBody,
  PLANTED_PHI,
  readStowReply,
} from '../testing/stow.fixtures.js';

const logs: unknown[] = [];
const ctx = { log: (level: string, msg: string, meta?: unknown) => void logs.push({ level, msg, meta }) };
const MAX_INSTANCE = 64 * 1024;

describe('STOW-RS ingest (real gateway, embedded Postgres, dicomweb-client)', () => {
  let tmp: Awaited<ReturnType<typeof makeTempDir>>;
  let gw: Gateway;
  let client: ReturnType<typeof createDicomWebClient>;
  beforeAll(async () => {
    tmp = await makeTempDir('stow');
    gw = await createGateway(
      { port: 0, dataDir: tmp.dir, limits: { maxInstanceBytes: MAX_INSTANCE, minFreeDiskBytes: 0 } },
      ctx,
    );
    client = createDicomWebClient(gw.url);
  });
  afterAll(async () => {
    await gw?.close();
    await tmp?.remove();
  });

  const rowOf = (uid: string) => gw.db.prisma.instance.findUnique({ where: { sopInstanceUid: uid } });
  const stowError = async (p: Promise<unknown>) => {
    const e = (await p.then(
      () => ({ status: 0, response: '' }),
      (err: { status: number; response: unknown }) => err,
    )) as { status: number; response: unknown };
    return { status: e.status, ...readStowReply(e.response || '{}') };
  };

  it('stores two instances: 200, rows, byte-identical blobs, RetrieveURLs', async () => {
    const a = makeInstance();
    const b = makeInstance({ studyUid: a.studyUid });
    const reply = readStowReply(await client.storeInstances({ datasets: [a.buffer, b.buffer] }));
    expect(reply.failed).toEqual([]);
    expect(reply.stored.map((s) => s.sopInstanceUid)).toEqual([a.sopInstanceUid, b.sopInstanceUid]);
    expect(reply.retrieveUrl).toBe(`${gw.url}/dicomweb/studies/${a.studyUid}`);
    expect(reply.stored[0].retrieveUrl).toBe(
      `${gw.url}/dicomweb/studies/${a.studyUid}/series/${a.seriesUid}/instances/${a.sopInstanceUid}`,
    );
    for (const inst of [a, b]) {
      const row = await rowOf(inst.sopInstanceUid);
      expect(row).toMatchObject({
        sopClassUid: '1.2.840.10008.5.1.4.1.1.7',
        transferSyntaxUid: '1.2.840.10008.1.2.1',
        blobSha256: inst.sha256,
        byteSize: BigInt(inst.bytes.length),
        modality: 'OP',
        manufacturer: 'ROPline tests',
        laterality: 'R',
        rows: 8,
        columns: 8,
        frames: 1,
        source: 'stow',
        remote: '127.0.0.1',
      });
      expect(Buffer.compare(await gw.blobs.get(inst.sha256), inst.bytes)).toBe(0);
    }
    const study = await gw.db.prisma.study.findUnique({
      where: { studyInstanceUid: a.studyUid },
      include: { series: { include: { instances: true } } },
    });
    expect(study?.series.map((s) => [s.seriesInstanceUid, s.instances.length])).toEqual([[a.seriesUid, 2]]);
  });

  it('treats a re-send of the same bytes as success without a new row', async () => {
    const a = makeInstance();
    await client.storeInstances({ datasets: [a.buffer] });
    const before = await rowOf(a.sopInstanceUid);
    const reply = readStowReply(await client.storeInstances({ datasets: [a.buffer] }));
    expect(reply.stored.map((s) => s.sopInstanceUid)).toEqual([a.sopInstanceUid]);
    const after = await rowOf(a.sopInstanceUid);
    expect(after?.id).toBe(before?.id);
    expect(after?.receivedAt.getTime()).toBe(before?.receivedAt.getTime());
    expect(await gw.db.prisma.instance.count({ where: { sopInstanceUid: a.sopInstanceUid } })).toBe(1);
  });

  it('rejects different bytes under the same SOP Instance UID: 409 with 0x0111', async () => {
    const a = makeInstance({ fill: 1 });
    await client.storeInstances({ datasets: [a.buffer] });
    const changed = makeInstance({ sopInstanceUid: a.sopInstanceUid, studyUid: a.studyUid, fill: 2 });
    const r = await stowError(client.storeInstances({ datasets: [changed.buffer] }));
    expect(r.status).toBe(409);
    expect(r.failed).toEqual([{ sopInstanceUid: a.sopInstanceUid, reason: 0x0111 }]);
    expect((await rowOf(a.sopInstanceUid))?.blobSha256).toBe(a.sha256);
    expect(await gw.blobs.has(changed.sha256)).toBe(false);
  });

  it('stores the good parts around a garbage part: 202 with 0xC000', async () => {
    const a = makeInstance();
    const b = makeInstance();
    const garbage = new TextEncoder().encode('this is not DICOM at all').buffer as ArrayBuffer;
    const reply = readStowReply(await client.storeInstances({ datasets: [a.buffer, garbage, b.buffer] }));
    expect(reply.stored.map((s) => s.sopInstanceUid)).toEqual([a.sopInstanceUid, b.sopInstanceUid]);
    expect(reply.failed).toEqual([{ sopInstanceUid: undefined, reason: 0xc000 }]);
    expect(await rowOf(b.sopInstanceUid)).not.toBeNull();
  });

  it('refuses an instance of another study than the URL: 0x0110', async () => {
    const a = makeInstance();
    const r = await stowError(client.storeInstances({ datasets: [a.buffer], studyInstanceUID: '1.2.3.4' }));
    expect(r.status).toBe(409);
    expect(r.failed).toEqual([{ sopInstanceUid: a.sopInstanceUid, reason: 0x0110 }]);
    expect(await rowOf(a.sopInstanceUid)).toBeNull();
    const ok = readStowReply(
      await client.storeInstances({ datasets: [a.buffer], studyInstanceUID: a.studyUid }),
    );
    expect(ok.stored).toHaveLength(1);
  });

  it('refuses an oversize instance with 0xA700, keeps the small one, leaves no temp file', async () => {
    const big = makeInstance({ size: 300 });
    const small = makeInstance();
    expect(big.bytes.length).toBeGreaterThan(MAX_INSTANCE);
    const reply = readStowReply(await client.storeInstances({ datasets: [big.buffer, small.buffer] }));
    expect(reply.failed).toEqual([{ sopInstanceUid: undefined, reason: 0xa700 }]);
    expect(reply.stored.map((s) => s.sopInstanceUid)).toEqual([small.sopInstanceUid]);
    expect(await gw.blobs.has(big.sha256)).toBe(false);
    expect(await readdir(path.join(tmp.dir, 'blobs', 'tmp'))).toEqual([]);
  });

  it('maps an unsupported SOP class to 0x0122 and transfer syntax to 0xC122', async () => {
    const notStorage = makeInstance({ sopClassUid: '1.2.840.10008.1.3.10' });
    const mpeg = makeInstance({ ts: '1.2.840.10008.1.2.4.100' });
    const r = await stowError(client.storeInstances({ datasets: [notStorage.buffer, mpeg.buffer] }));
    expect(r.status).toBe(409);
    expect(r.failed).toEqual([
      { sopInstanceUid: notStorage.sopInstanceUid, reason: 0x0122 },
      { sopInstanceUid: mpeg.sopInstanceUid, reason: 0xc122 },
    ]);
  });

  it('answers 415 to a wrong content type and 400 to a broken multipart body', async () => {
    const a = makeInstance();
    for (const type of [
      'application/dicom',
      'application/json',
      'multipart/related; type="image/jpeg"; boundary=x',
    ]) {
      const res = await fetch(`${gw.url}/dicomweb/studies`, {
        method: 'POST',
        headers: { 'content-type': type },
        body: type === 'application/json' ? '{}' : Buffer.from(a.bytes),
      });
      expect([type, res.status]).toEqual([type, 415]);
    }
    const truncated = multipartBody('bnd', [a.bytes]).subarray(0, -10);
    const res = await fetch(`${gw.url}/dicomweb/studies`, {
      method: 'POST',
      headers: { 'content-type': 'multipart/related; type="application/dicom"; boundary=bnd' },
      body: truncated,
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { code: string }).code).toBe('STOW.MALFORMED_MULTIPART');
    expect(await rowOf(a.sopInstanceUid)).toBeNull();
  });

  it('accepts an unquoted boundary with a chunked body', async () => {
    const a = makeInstance();
    const body = multipartBody('unquoted123', [a.bytes]);
    const stream = new ReadableStream({
      start(c) {
        for (let i = 0; i < body.length; i += 100) c.enqueue(body.subarray(i, i + 100));
        c.close();
      },
    });
    const res = await fetch(`${gw.url}/dicomweb/studies/${a.studyUid}`, {
      method: 'POST',
      headers: { 'content-type': 'multipart/related; type=application/dicom; boundary=unquoted123' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/dicom\+json/);
    expect(readStowReply(await res.json()).stored.map((s) => s.sopInstanceUid)).toEqual([a.sopInstanceUid]);
  });

  it('keeps the newest with a history row under duplicatePolicy keep-newest', async () => {
    const keep = await createGateway(
      { port: 0, dataDir: tmp.dir, duplicatePolicy: 'keep-newest', limits: { minFreeDiskBytes: 0 } },
      ctx,
    );
    try {
      const a = makeInstance({ fill: 10 });
      const b = makeInstance({ sopInstanceUid: a.sopInstanceUid, studyUid: a.studyUid, fill: 11 });
      const c = createDicomWebClient(keep.url);
      await c.storeInstances({ datasets: [a.buffer] });
      const reply = readStowReply(await c.storeInstances({ datasets: [b.buffer] }));
      expect(reply.stored.map((s) => s.sopInstanceUid)).toEqual([a.sopInstanceUid]);
      const row = await keep.db.prisma.instance.findUnique({
        where: { sopInstanceUid: a.sopInstanceUid },
        include: { history: true },
      });
      expect(row?.blobSha256).toBe(b.sha256);
      expect(row?.history.map((h) => h.blobSha256)).toEqual([a.sha256]);
      expect(await keep.blobs.has(a.sha256)).toBe(true);
    } finally {
      await keep.close();
    }
  });

  it('never logs the planted PHI', () => {
    const text = JSON.stringify(logs);
    expect(text).toContain('instance stored');
    for (const phi of PLANTED_PHI) expect(text).not.toContain(phi);
  });
});
