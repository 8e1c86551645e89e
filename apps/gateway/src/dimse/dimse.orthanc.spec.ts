import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasOrthanc, startOrthanc, type OrthancProcess } from '../testing/orthanc.process.js';
import { makeInstance, PLANTED_PHI } from '../testing/stow.fixtures.js';
import { makeTempDir } from '../testing/temp-dir.util.js';
import { datasetOffset } from './dimse.test-util.js';
import { startDimseStack, type DimseStack } from './dimse.test-stack.js';

const available = hasOrthanc();
if (!available) console.warn('SKIPPED dimse.orthanc.spec: /usr/sbin/Orthanc is not installed');

const logs: Record<string, unknown>[] = [];
const ctx = {
  log: (_l: string, msg: string, meta?: Record<string, unknown>) => void logs.push({ msg, ...meta }),
};

describe.skipIf(!available)('Orthanc (real PACS) pushes to the gateway by C-STORE', () => {
  let tmp: Awaited<ReturnType<typeof makeTempDir>>;
  let gw: DimseStack;
  let orthanc: OrthancProcess;
  const post = (path: string, body: string) =>
    fetch(`${orthanc.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

  beforeAll(async () => {
    process.env.TCP_NODELAY = '1'; // Orthanc (spawned below) disables Nagle when it sees this
    tmp = await makeTempDir('dimse-orthanc');
    gw = await startDimseStack(`${tmp.dir}/gw`, { allowedCallingAeTitles: ['TESTPACS'] }, ctx);
    orthanc = await startOrthanc(
      `${tmp.dir}/orthanc`,
      {},
      {
        DicomModalities: { ropline: ['ROPLINE', '127.0.0.1', gw.scp.port] },
      },
    );
  });
  afterAll(async () => {
    await orthanc?.stop();
    await gw?.close();
    await tmp?.remove();
  });

  it('answers Orthanc C-ECHO', async () => {
    const echo = await post('/modalities/ropline/echo', '{}');
    expect(echo.status).toBe(200);
  });

  it('stores what Orthanc sends via /modalities/ropline/store; a re-send adds nothing', async () => {
    const a = makeInstance();
    const b = makeInstance({ studyUid: a.studyUid, size: 16 });
    const ids: string[] = [];
    for (const inst of [a, b]) {
      const up = await fetch(`${orthanc.url}/instances`, { method: 'POST', body: Buffer.from(inst.bytes) });
      expect(up.status).toBe(200);
      ids.push(((await up.json()) as { ID: string }).ID);
    }
    for (const id of ids) {
      const res = await post('/modalities/ropline/store', id);
      expect([res.status, res.status === 200 ? '' : orthanc.output().slice(-2000)]).toEqual([200, '']);
    }
    for (const [i, inst] of [a, b].entries()) {
      const row = await gw.db.prisma.instance.findUnique({ where: { sopInstanceUid: inst.sopInstanceUid } });
      expect(row).toMatchObject({ source: 'dimse', remote: 'TESTPACS', sopClassUid: inst.sopClassUid });
      const blob = await gw.blobs.get(row!.blobSha256);
      expect(blob.length).toBe(Number(row!.byteSize));
      // Orthanc sends the data set of its stored copy; ours = our file meta + those bytes.
      const file = Buffer.from(await (await fetch(`${orthanc.url}/instances/${ids[i]}/file`)).arrayBuffer());
      expect(Buffer.compare(blob.subarray(datasetOffset(blob)), file.subarray(datasetOffset(file)))).toBe(0);
    }
    const count = await gw.db.prisma.instance.count();
    const again = await post(
      '/modalities/ropline/store',
      JSON.stringify({ Resources: ids, Synchronous: true }),
    );
    expect(again.status).toBe(200);
    expect(await gw.db.prisma.instance.count()).toBe(count);
    const text = JSON.stringify(logs);
    for (const phi of PLANTED_PHI) expect(text).not.toContain(phi);
  });
});
