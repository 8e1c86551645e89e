import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeInstance, PLANTED_PHI, type TestInstance } from '../testing/stow.fixtures.js';
import { makeTempDir } from '../testing/temp-dir.util.js';
import type { DimseServer } from './dimse-server.js';
import { startDimseStack, type DimseStack } from './dimse.test-stack.js';
import { datasetOffset, hasDcmtk, killTools, runTool } from './dimse.test-util.js';

const available = hasDcmtk();
if (!available)
  console.warn('SKIPPED dimse.dcmtk.spec: dcmtk (echoscu, storescu, dcmcjpeg) is not installed');

const logs: Record<string, unknown>[] = [];
const ctx = {
  log: (_l: string, msg: string, meta?: Record<string, unknown>) => void logs.push({ msg, ...meta }),
};

describe.skipIf(!available)('DIMSE SCP with dcmtk echoscu / storescu', () => {
  let tmp: Awaited<ReturnType<typeof makeTempDir>>;
  let gw: DimseStack;
  let small: DimseServer;
  let n = 0;
  const file = async (inst: TestInstance | Uint8Array) => {
    const path = `${tmp.dir}/f${(n += 1)}.dcm`;
    await writeFile(path, 'bytes' in inst ? inst.bytes : inst);
    return path;
  };
  const peer = (port: number, aet: string, aec = 'ROPLINE') => [
    '-v',
    '-aet',
    aet,
    '-aec',
    aec,
    '127.0.0.1',
    `${port}`,
  ];
  const store = async (files: string[], opts: { aet?: string; port?: number; extra?: string[] } = {}) =>
    runTool('/usr/bin/storescu', [
      ...(opts.extra ?? []),
      ...peer(opts.port ?? gw.scp.port, opts.aet ?? 'STORESCU'),
      ...files,
    ]);
  const row = (uid: string) => gw.db.prisma.instance.findUnique({ where: { sopInstanceUid: uid } });

  beforeAll(async () => {
    tmp = await makeTempDir('dimse');
    gw = await startDimseStack(`${tmp.dir}/gw`, { allowedCallingAeTitles: ['STORESCU', 'ECHOSCU'] }, ctx);
    // A second SCP on the same database and blob store with a tiny maxInstanceBytes (0xA700).
    small = await gw.startScp({}, 2000);
  });
  afterAll(async () => {
    killTools();
    await gw?.close();
    await tmp?.remove();
  });

  it('answers C-ECHO', async () => {
    expect(gw.scp.aeTitle).toBe('ROPLINE');
    const r = await runTool('/usr/bin/echoscu', peer(gw.scp.port, 'ECHOSCU'));
    expect([r.code, r.out]).toEqual([0, expect.stringContaining('Received Echo Response (Success)')]);
  });

  it('rejects a wrong called AE title and a calling AE title not in the allow-list', async () => {
    const called = await runTool('/usr/bin/echoscu', peer(gw.scp.port, 'ECHOSCU', 'NOTUS'));
    expect(called.code).not.toBe(0);
    expect(called.out).toMatch(/Association Rejected[\s\S]*Called AE Title Not Recognized/i);
    const calling = await runTool('/usr/bin/echoscu', peer(gw.scp.port, 'INTRUDER'));
    expect(calling.code).not.toBe(0);
    expect(calling.out).toMatch(/Association Rejected[\s\S]*Calling AE Title Not Recognized/i);
  });

  it('stores instances durably: rows, blob sizes, the received data set unchanged', async () => {
    const a = makeInstance();
    const b = makeInstance({ studyUid: a.studyUid, size: 32 });
    const r = await store([await file(a), await file(b)]);
    expect(r.code, r.out).toBe(0);
    expect(r.out.match(/Received Store Response \(Success\)/g)).toHaveLength(2);
    for (const inst of [a, b]) {
      const rec = await row(inst.sopInstanceUid);
      expect(rec).toMatchObject({
        source: 'dimse',
        remote: 'STORESCU',
        transferSyntaxUid: '1.2.840.10008.1.2.1',
      });
      const blob = await gw.blobs.get(rec!.blobSha256);
      expect(blob.length).toBe(Number(rec!.byteSize));
      // Part-10 = our file meta + the data set bytes exactly as storescu sent them (from the file).
      expect(
        Buffer.compare(
          blob.subarray(datasetOffset(blob)),
          Buffer.from(inst.bytes.subarray(datasetOffset(inst.bytes))),
        ),
      ).toBe(0);
    }
    expect(Number((await row(b.sopInstanceUid))!.byteSize)).toBeGreaterThan(32 * 32);
  });

  it('same instance again = success, no new row; same UID with other bytes = 0xC111', async () => {
    const a = makeInstance({ fill: 1 });
    expect((await store([await file(a)])).code).toBe(0);
    const before = await gw.db.prisma.instance.count();
    const again = await store([await file(a)]);
    expect(again.out).toContain('Received Store Response (Success)');
    expect(await gw.db.prisma.instance.count()).toBe(before);
    const other = makeInstance({ sopInstanceUid: a.sopInstanceUid, studyUid: a.studyUid, fill: 2 });
    const conflict = await store([await file(other)]);
    expect(conflict.out).toContain('Received Store Response (Error: CannotUnderstand)');
    expect(logs).toContainEqual(
      expect.objectContaining({ sopInstanceUid: a.sopInstanceUid, status: 0xc111 }),
    );
    expect(await gw.db.prisma.instance.count()).toBe(before);
  });

  it('stores JPEG baseline as-is (storescu -xy, file from dcmcjpeg)', async () => {
    const src = makeInstance({ size: 64 });
    const jpeg = `${tmp.dir}/jpeg.dcm`;
    const enc = await runTool('/usr/bin/dcmcjpeg', ['+eb', '+un', await file(src), jpeg]);
    expect(enc.code, enc.out).toBe(0);
    const r = await store([jpeg], { extra: ['-xy'] });
    expect(r.out).toContain('Received Store Response (Success)');
    const rec = await row(src.sopInstanceUid);
    expect(rec?.transferSyntaxUid).toBe('1.2.840.10008.1.2.4.50');
    expect(await gw.blobs.has(rec!.blobSha256)).toBe(true);
  });

  it('refuses an instance over maxInstanceBytes with 0xA700 and stores nothing', async () => {
    const big = makeInstance({ size: 64 });
    const r = await store([await file(big)], { port: small.port });
    expect(r.out).toContain('Received Store Response (Refused: OutOfResources)');
    expect(logs).toContainEqual(
      expect.objectContaining({ sopInstanceUid: big.sopInstanceUid, status: 0xa700 }),
    );
    expect(await row(big.sopInstanceUid)).toBeNull();
    const ok = makeInstance();
    expect((await store([await file(ok)], { port: small.port })).out).toContain(
      'Received Store Response (Success)',
    );
  });

  it('logs UIDs, sizes and statuses, never patient attributes', () => {
    const text = JSON.stringify(logs);
    expect(text).toContain('DIMSE C-STORE');
    for (const phi of PLANTED_PHI) expect(text).not.toContain(phi);
  });
});
