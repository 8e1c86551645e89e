import { createHash } from 'node:crypto';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '@ropline/db';
import { writeDicom } from '@ropline/dicom';
import { createImageDataset } from '@ropline/dicom/testing';
import { deliveryConfigSchema, stowDestinationSchema } from './destination.schema.js';
import { createSender, isPermanent } from './destination.sender.js';
import { startOutboxRunner } from './outbox.runner.js';
import { backoffMs, OutboxStore, type OutboxEntry } from './outbox.store.js';

const ctx = { log: () => undefined };

describe('isPermanent / backoffMs', () => {
  it.each([
    ['HTTP 503', false],
    ['HTTP 408', false],
    ['HTTP 429', false],
    ['HTTP 415', true],
    ['HTTP 400 STOW.BAD', true],
    ['0xA700', false],
    ['0x0110', false],
    ['DIMSE 0xA702 out of resources', false],
    ['0x0122', true],
    ['DIMSE 0xA900', true],
    ['0xC000', true],
    ['NETWORK (ECONNREFUSED)', false],
    ['not in the reply', false],
  ])('%s -> permanent %s', (reason, expected) => {
    expect(isPermanent(reason)).toBe(expected);
  });
  it('doubles from the base and caps', () => {
    const p = { backoffBaseMs: 100, backoffMaxMs: 1000 };
    expect([1, 2, 3, 4, 5, 9].map((a) => backoffMs(a, p))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });
});

/** A DICOMweb STOW-RS receiver whose answers the test scripts: the PACS side of fault injection. */
class StowStub {
  server = http.createServer((req, res) => this.handle(req, res));
  /** SOP Instance UID -> times stored. */
  stored = new Map<string, number>();
  requests = 0;
  /** Per request: how to answer each instance ('ok' | a failure reason code) or a whole-request status. */
  script: (
    ((uids: string[]) => { http?: number; perInstance?: (number | 'ok')[]; hang?: boolean }) | undefined
  )[] = [];
  url = '';

  async start() {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/dicomweb`;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('latin1');
      // The SOP Instance UIDs of the parts, from their File Meta (0002,0003) value.
      // eslint-disable-next-line no-control-regex -- binary File Meta tag bytes
      const uids = [...body.matchAll(/\x02\x00\x03\x00UI([\s\S]{2})/g)].map((m) => {
        const len = m[1].charCodeAt(0) | (m[1].charCodeAt(1) << 8);
        const at = m.index! + 8;
        return body.slice(at, at + len).replace(/\0$/, '');
      });
      const step = this.script[this.requests++]?.(uids) ?? {};
      if (step.hang) return; // never answers: the sender's timeout must fire
      if (step.http && step.http !== 200 && step.http !== 202) {
        res.writeHead(step.http).end('unavailable');
        return;
      }
      const ref: unknown[] = [];
      const failed: unknown[] = [];
      uids.forEach((uid, i) => {
        const s = step.perInstance?.[i] ?? 'ok';
        const item = { '00081155': { vr: 'UI', Value: [uid] } };
        if (s === 'ok') {
          this.stored.set(uid, (this.stored.get(uid) ?? 0) + 1);
          ref.push(item);
        } else failed.push({ ...item, '00081197': { vr: 'US', Value: [s] } });
      });
      const status = failed.length ? (ref.length ? 202 : 409) : 200;
      res.writeHead(status, { 'content-type': 'application/dicom+json' });
      res.end(
        JSON.stringify({ '00081199': { vr: 'SQ', Value: ref }, '00081198': { vr: 'SQ', Value: failed } }),
      );
    });
  }
}

describe('outbox on a real Postgres against a scripted STOW-RS receiver', () => {
  let dir: string;
  let db: Database;
  let store: OutboxStore;
  const stub = new StowStub();
  const objects: OutboxEntry[] = [];
  const policy = deliveryConfigSchema.parse({
    maxAttempts: 4,
    backoffBaseMs: 10,
    backoffMaxMs: 20,
    leaseMs: 1000,
  });
  const fileOf = (sha: string) => path.join(dir, 'blobs', sha);

  const run = async (timeoutMs = 5000) => {
    const dest = stowDestinationSchema.parse({
      name: 'pacs',
      kind: 'stow',
      url: stub.url,
      batchSize: 3,
      timeoutMs,
    });
    const runner = startOutboxRunner({
      store,
      senders: new Map([['pacs', createSender(dest, fileOf)]]),
      policy,
      ctx,
    });
    // Deliver until nothing is pending any more (backoffs are 10-20 ms here).
    for (let i = 0; i < 200 && (await store.backlog()) > 0; i++) {
      await new Promise((r) => setTimeout(r, 25));
      await runner.drain();
    }
    await runner.close();
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'ropline-outbox-'));
    await chmod(dir, 0o755);
    db = await openDatabase({ dataDir: dir }, ctx);
    store = new OutboxStore(db);
    await stub.start();
    const { mkdir } = await import('node:fs/promises');
    await mkdir(path.join(dir, 'blobs'));
    for (let i = 1; i <= 4; i++) {
      const sop = `2.25.9000${i}`;
      const bytes = writeDicom(
        createImageDataset({
          rows: 8,
          columns: 8,
          samplesPerPixel: 1,
          pixelData: new Uint8Array(64).fill(i),
          extra: { SOPInstanceUID: sop, StudyInstanceUID: '2.25.9000' },
        }),
      );
      const sha = createHash('sha256').update(bytes).digest('hex');
      await writeFile(fileOf(sha), bytes);
      objects.push({
        destination: 'pacs',
        kind: 'result',
        sopInstanceUid: sop,
        sopClassUid: '1.2.840.10008.5.1.4.1.1.7',
        transferSyntaxUid: '1.2.840.10008.1.2.1',
        studyInstanceUid: '2.25.9000',
        blobSha256: sha,
        byteSize: bytes.length,
      });
    }
  });
  afterAll(async () => {
    stub.server.close();
    await db?.close();
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await db.prisma.outboxItem.deleteMany();
    stub.stored.clear();
    stub.requests = 0;
    stub.script = [];
  });

  it('enqueue is idempotent per destination, SOP Instance UID and content', async () => {
    expect(await store.enqueue(objects)).toBe(4);
    expect(await store.enqueue(objects)).toBe(0);
    expect(await store.enqueue([{ ...objects[0], destination: 'other' }])).toBe(1);
    expect((await store.countsByStudy(['2.25.9000'])).get('2.25.9000')).toEqual({
      pending: 5,
      sending: 0,
      sent: 0,
      dead: 0,
    });
  });

  it('5xx, then 202 with a partial failure, then success: every object stored exactly once', async () => {
    await store.enqueue(objects);
    // The first two requests (the two batches of the first claim: 3 + 1 objects) meet a PACS that
    // is down. After that, the 2nd object is refused once with 0xA700 (out of resources) wherever
    // it is batched (with others: a 202 reply), then everything is stored. Scripted per object, not
    // per request order, so the retry timing cannot change what is asserted.
    let a700 = false;
    const perUid = (uids: string[]) => ({
      perInstance: uids.map((u): number | 'ok' => {
        if (u !== objects[1].sopInstanceUid || a700) return 'ok';
        a700 = true;
        return 0xa700;
      }),
    });
    stub.script = [() => ({ http: 503 }), () => ({ http: 503 }), ...Array.from({ length: 8 }, () => perUid)];
    await run();
    const items = await store.list();
    expect(items.map((i) => [i.sopInstanceUid, i.status])).toEqual(
      objects.map((o) => [o.sopInstanceUid, 'sent']),
    );
    expect([...stub.stored.values()]).toEqual([1, 1, 1, 1]);
    expect(stub.stored.size).toBe(4);
    // Attempts: 2 for those stored in the 202 reply or the 2nd batch, 3 for the 0xA700 one.
    expect(items.map((i) => i.attempts)).toEqual([2, 3, 2, 2]);
  });

  it('a permanent refusal is dead-lettered at once, visible, and an admin retry delivers it', async () => {
    await store.enqueue(objects.slice(0, 2));
    stub.script = [() => ({ perInstance: ['ok', 0xc000] })];
    await run();
    const dead = await store.list({ status: 'dead' });
    expect(dead.map((d) => [d.sopInstanceUid, d.attempts, d.lastStatus])).toEqual([
      [objects[1].sopInstanceUid, 1, '0xC000'],
    ]);
    expect(await store.retry({ destination: 'pacs' })).toBe(1);
    await run();
    expect((await store.list()).map((i) => i.status)).toEqual(['sent', 'sent']);
    expect([...stub.stored.values()]).toEqual([1, 1]);
  });

  it('a receiver that never answers times out and is retried until maxAttempts, then dead', async () => {
    await store.enqueue(objects.slice(0, 1));
    stub.script = Array.from({ length: 10 }, () => () => ({ hang: true }));
    await run(300);
    const [item] = await store.list();
    expect([item.status, item.attempts, item.lastStatus]).toEqual(['dead', policy.maxAttempts, 'NETWORK']);
    expect(item.lastError).toMatch(/ETIMEDOUT|no answer/);
    expect(stub.stored.size).toBe(0);
  });

  it('an expired lease (a sender that died mid-send) is claimed again; a live lease is not', async () => {
    await store.enqueue(objects.slice(0, 1));
    const [claimed] = await store.claim(10, 60_000);
    expect(claimed.attempts).toBe(1);
    expect(await store.claim(10, 60_000)).toEqual([]);
    await db.prisma.$executeRawUnsafe(`UPDATE outbox SET lease_until = now() - interval '1 second'`);
    const [again] = await store.claim(10, 60_000);
    expect([again.id, again.attempts]).toEqual([claimed.id, 2]);
  });
});
