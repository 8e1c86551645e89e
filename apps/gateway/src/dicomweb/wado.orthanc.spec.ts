import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../create-gateway.js';
import { hasOrthanc, startOrthanc, type OrthancProcess } from '../testing/orthanc.process.js';
import { makeInstance, type TestInstance } from '../testing/stow.fixtures.js';
import { makeTempDir } from '../testing/temp-dir.util.js';
import { createQidoWadoClient } from './dicomweb.fixtures.js';

const available = hasOrthanc();
if (!available) {
  console.warn('SKIPPED wado.orthanc.spec: /usr/sbin/Orthanc or the DICOMweb plugin is not installed');
}

describe.skipIf(!available)("Orthanc's DICOMweb client reads from the gateway (QIDO-RS + WADO-RS)", () => {
  let tmp: Awaited<ReturnType<typeof makeTempDir>>;
  let gw: Gateway;
  let orthanc: OrthancProcess;
  let a: TestInstance;
  let b: TestInstance;
  beforeAll(async () => {
    tmp = await makeTempDir('wado-orthanc');
    gw = await createGateway({ port: 0, dataDir: `${tmp.dir}/gw`, limits: { minFreeDiskBytes: 0 } });
    orthanc = await startOrthanc(`${tmp.dir}/orthanc`, { ropline: [`${gw.url}/dicomweb/`] });
    a = makeInstance();
    b = makeInstance({ studyUid: a.studyUid });
    await createQidoWadoClient(gw.url).storeInstances({ datasets: [a.buffer, b.buffer] });
  });
  afterAll(async () => {
    await orthanc?.stop();
    await gw?.close();
    await tmp?.remove();
  });

  const post = (path: string, body: unknown) =>
    fetch(`${orthanc.url}/dicom-web/servers/ropline/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('searches the gateway through /dicom-web/servers/ropline/get', async () => {
    const res = await post('get', { Uri: '/studies', Arguments: { StudyInstanceUID: a.studyUid } });
    expect([res.status, res.status === 200 ? '' : await res.text()]).toEqual([200, '']);
    const found = (await res.json()) as Record<string, { Value?: unknown[] }>[];
    expect(found.map((s) => s['0020000D'].Value?.[0])).toEqual([a.studyUid]);
    expect(found[0]['00201208'].Value).toEqual([2]);
  });

  it('retrieves the study with /dicom-web/servers/ropline/retrieve, byte-identical', async () => {
    const res = await post('retrieve', { Resources: [{ Study: a.studyUid }] });
    expect([res.status, res.status === 200 ? '' : orthanc.output().slice(-3000)]).toEqual([200, '']);
    for (const inst of [a, b]) {
      const lookup = await fetch(`${orthanc.url}/tools/lookup`, {
        method: 'POST',
        body: inst.sopInstanceUid,
      });
      const [hit] = (await lookup.json()) as { ID: string; Type: string }[];
      expect(hit?.Type).toBe('Instance');
      const file = await fetch(`${orthanc.url}/instances/${hit.ID}/file`);
      expect(Buffer.compare(Buffer.from(await file.arrayBuffer()), Buffer.from(inst.bytes))).toBe(0);
    }
  });
});
