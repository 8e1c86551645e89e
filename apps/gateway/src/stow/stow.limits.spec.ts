import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../create-gateway.js';
import { makeTempDir } from '../testing/temp-dir.util.js';
import {
  createDicomWebClient,
  makeInstance,
  multipartBody,
  readStowReply,
} from '../testing/stow.fixtures.js';

const TYPE = 'multipart/related; type="application/dicom"; boundary=lim';

function chunked(body: Buffer, size = 512): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(c) {
      for (let i = 0; i < body.length; i += size) c.enqueue(body.subarray(i, i + size));
      c.close();
    },
  });
}

describe('STOW-RS limits, concurrency and hostile input', () => {
  let tmp: Awaited<ReturnType<typeof makeTempDir>>;
  let gw: Gateway;
  beforeAll(async () => {
    tmp = await makeTempDir('limits');
    gw = await createGateway({
      port: 0,
      dataDir: tmp.dir,
      limits: { maxRequestBytes: 4000, minFreeDiskBytes: 0 },
    });
  });
  afterAll(async () => {
    await gw?.close();
    await tmp?.remove();
  });

  const post = (path: string, body: Buffer | ReadableStream<Uint8Array>) =>
    fetch(`${gw.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': TYPE },
      body,
      duplex: 'half',
    } as RequestInit);

  it('answers 413 to a Content-Length over maxRequestBytes and stores nothing', async () => {
    const parts = [1, 2, 3, 4, 5, 6].map(() => makeInstance());
    const res = await post(
      '/dicomweb/studies',
      multipartBody(
        'lim',
        parts.map((p) => p.bytes),
      ),
    );
    expect(res.status).toBe(413);
    expect(await gw.db.prisma.instance.count({ where: { sopInstanceUid: parts[0].sopInstanceUid } })).toBe(0);
  });

  it('keeps what was stored before a chunked body crossed maxRequestBytes: 202 + 0xA700', async () => {
    const parts = [1, 2, 3, 4, 5, 6].map(() => makeInstance());
    const res = await post(
      '/dicomweb/studies',
      chunked(
        multipartBody(
          'lim',
          parts.map((p) => p.bytes),
        ),
      ),
    );
    expect(res.status).toBe(202);
    const reply = readStowReply(await res.json());
    expect(reply.stored.map((s) => s.sopInstanceUid)).toEqual(
      parts.slice(0, reply.stored.length).map((p) => p.sopInstanceUid),
    );
    expect(reply.stored.length).toBeGreaterThan(0);
    expect(reply.failed).toEqual([{ sopInstanceUid: undefined, reason: 0xa700 }]);
    // The gateway keeps serving on a new connection.
    const ok = await post('/dicomweb/studies', multipartBody('lim', [makeInstance().bytes]));
    expect(ok.status).toBe(200);
  });

  it('refuses a study URL that is not a UID (e.g. ../../x) with 400', async () => {
    const res = await post('/dicomweb/studies/..%2F..%2Fx', multipartBody('lim', [makeInstance().bytes]));
    expect(res.status).toBe(400);
  });

  it('stores one copy of each instance when a study is sent three times concurrently', async () => {
    const study = makeInstance().studyUid;
    const parts = [1, 2, 3].map(() => makeInstance({ studyUid: study }));
    const client = createDicomWebClient(gw.url);
    const replies = await Promise.all(
      [1, 2, 3].map(() => client.storeInstances({ datasets: parts.map((p) => p.buffer) })),
    );
    for (const r of replies) expect(readStowReply(r).stored).toHaveLength(3);
    const rows = await gw.db.prisma.instance.findMany({
      where: { series: { study: { studyInstanceUid: study } } },
    });
    expect(rows.map((r) => r.sopInstanceUid).sort()).toEqual(parts.map((p) => p.sopInstanceUid).sort());
    expect(await gw.db.prisma.series.count({ where: { study: { studyInstanceUid: study } } })).toBe(1);
  });

  it('answers 507 when free disk is below the watermark', async () => {
    const full = await createGateway({
      port: 0,
      dataDir: tmp.dir,
      limits: { minFreeDiskBytes: Number.MAX_SAFE_INTEGER },
    });
    try {
      const res = await fetch(`${full.url}/dicomweb/studies`, {
        method: 'POST',
        headers: { 'content-type': TYPE },
        body: multipartBody('lim', [makeInstance().bytes]),
      });
      expect(res.status).toBe(507);
    } finally {
      await full.close();
    }
  });
});
