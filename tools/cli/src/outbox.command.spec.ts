import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '@ropline/db';
import { OutboxStore } from '@ropline/outbox';
import { rop, tempDir } from './gateway.test-util.js';

describe('rop outbox list|retry (real embedded Postgres)', () => {
  const dir = tempDir('rop-outbox-');
  let db: Database;
  let store: OutboxStore;
  const entry = (sop: string, destination = 'pacs') => ({
    destination,
    kind: 'result' as const,
    sopInstanceUid: sop,
    sopClassUid: '1.2.840.10008.5.1.4.1.1.88.33',
    transferSyntaxUid: '1.2.840.10008.1.2.1',
    studyInstanceUid: '2.25.7',
    blobSha256: 'a'.repeat(64),
    byteSize: 100,
  });
  const cli = (args: string[]) => rop(['outbox', ...args, '--database-url', db.url]);

  beforeAll(async () => {
    db = await openDatabase({ dataDir: dir }, { log: () => undefined });
    store = new OutboxStore(db);
    await store.enqueue([entry('2.25.7.1'), entry('2.25.7.2'), entry('2.25.7.3', 'archive')]);
    // Item 2 was refused for good by the PACS.
    const [, second] = await store.claim(2, 60_000);
    await store.settle(
      second,
      { ok: false, status: '0xC000', error: 'cannot understand', permanent: true },
      {
        maxAttempts: 3,
        backoffBaseMs: 10,
        backoffMaxMs: 10,
        pollIntervalMs: 100,
        leaseMs: 1000,
      },
    );
  });
  afterAll(async () => {
    await db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists items with status, destination, attempts and the last answer; filters by status', () => {
    const all = cli(['list']);
    expect(all.code).toBe(0);
    expect(all.stdout).toContain('3 item(s)');
    const dead = cli(['list', '--status', 'dead', '--json']);
    expect(dead.code).toBe(0);
    const rows = dead.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows.map((r) => [r.sopInstanceUid, r.status, r.attempts, r.lastStatus])).toEqual([
      ['2.25.7.2', 'dead', 1, '0xC000'],
    ]);
  });

  it('retry puts dead items back, due now, attempts reset', async () => {
    const r = cli(['retry', '--destination', 'pacs']);
    expect([r.code, r.stdout]).toEqual([0, expect.stringContaining('1 item(s) queued again')]);
    const item = (await store.list()).find((i) => i.sopInstanceUid === '2.25.7.2')!;
    expect([item.status, item.attempts]).toEqual(['pending', 0]);
  });

  it('bad arguments: one line, exit 2', () => {
    const r = cli(['list', '--status', 'lost']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^rop: CLI.BAD_ARGUMENT: --status must be one of/),
    ]);
    const h = rop(['outbox', 'retry', '--help']);
    expect([h.code, h.stdout]).toEqual([0, expect.stringContaining('--destination <name>')]);
  });
});
