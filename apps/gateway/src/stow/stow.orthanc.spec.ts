import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../create-gateway.js';
import { hasOrthanc, startOrthanc, type OrthancProcess } from '../testing/orthanc.process.js';
import { makeInstance } from '../testing/stow.fixtures.js';
import { makeTempDir } from '../testing/temp-dir.util.js';

const available = hasOrthanc();
const logs: Record<string, unknown>[] = [];
if (!available) {
  console.warn('SKIPPED stow.orthanc.spec: /usr/sbin/Orthanc or the DICOMweb plugin is not installed');
}

describe.skipIf(!available)('Orthanc (real PACS) pushes to the gateway by STOW-RS', () => {
  let tmp: Awaited<ReturnType<typeof makeTempDir>>;
  let gw: Gateway;
  let orthanc: OrthancProcess;
  beforeAll(async () => {
    tmp = await makeTempDir('orthanc');
    gw = await createGateway(
      { port: 0, dataDir: `${tmp.dir}/gw`, limits: { minFreeDiskBytes: 0 } },
      { log: (_l, msg, meta) => void logs.push({ msg, ...meta }) },
    );
    orthanc = await startOrthanc(`${tmp.dir}/orthanc`, { ropline: [`${gw.url}/dicomweb/`] });
  });
  afterAll(async () => {
    await orthanc?.stop();
    await gw?.close();
    await tmp?.remove();
  });

  it('stores what Orthanc sends via /dicom-web/servers/ropline/stow, byte-identical', async () => {
    const a = makeInstance();
    const b = makeInstance({ studyUid: a.studyUid });
    const ids: string[] = [];
    for (const inst of [a, b]) {
      const up = await fetch(`${orthanc.url}/instances`, { method: 'POST', body: Buffer.from(inst.bytes) });
      expect(up.status).toBe(200);
      ids.push(((await up.json()) as { ID: string }).ID);
    }
    const push = await fetch(`${orthanc.url}/dicom-web/servers/ropline/stow`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ Resources: ids }),
    });
    // On failure, show Orthanc's own log (it names the HTTP error it got from us).
    expect([push.status, push.status === 200 ? '' : orthanc.output().slice(-3000)]).toEqual([200, '']);
    expect(await push.text()).not.toContain('Failed');
    for (const inst of [a, b]) {
      const row = await gw.db.prisma.instance.findUnique({ where: { sopInstanceUid: inst.sopInstanceUid } });
      expect(row?.source).toBe('stow');
      // Orthanc may re-encode the meta header; the stored blob is exactly what it sent.
      const blob = await gw.blobs.get(row!.blobSha256);
      expect(blob.length).toBe(Number(row!.byteSize));
      const original = await fetch(`${orthanc.url}/instances/${ids[[a, b].indexOf(inst)]}/file`);
      expect(Buffer.compare(Buffer.from(await original.arrayBuffer()), blob)).toBe(0);
    }
    // A second push of the same instances is a success with no new rows.
    const again = await fetch(`${orthanc.url}/dicom-web/servers/ropline/stow`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ Resources: ids }),
    });
    expect(again.status).toBe(200);
    expect(await gw.db.prisma.instance.count()).toBe(2);
    const done = logs.filter((l) => l.msg === 'STOW request done');
    expect(done.map((l) => [l.stored, l.failed])).toEqual([
      [2, 0],
      [2, 0],
    ]);
  });
});
