import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../create-gateway.js';
import { makeInstance, PLANTED_PHI, type TestInstance } from '../testing/stow.fixtures.js';
import { makeTempDir } from '../testing/temp-dir.util.js';
import { createQidoWadoClient, makeRgbMultiframe, value, type QidoWadoClient } from './dicomweb.fixtures.js';

const logs: unknown[] = [];
const ctx = { log: (level: string, msg: string, meta?: unknown) => void logs.push({ level, msg, meta }) };

describe('QIDO-RS (real gateway, embedded Postgres, dicomweb-client)', () => {
  let tmp: Awaited<ReturnType<typeof makeTempDir>>;
  let gw: Gateway;
  let client: QidoWadoClient;
  let a: TestInstance[];
  let rgb: TestInstance;
  let b: TestInstance;
  beforeAll(async () => {
    tmp = await makeTempDir('qido');
    gw = await createGateway({ port: 0, dataDir: tmp.dir, limits: { minFreeDiskBytes: 0 } }, ctx);
    client = createQidoWadoClient(gw.url);
    const first = makeInstance();
    a = [first, makeInstance({ studyUid: first.studyUid }), makeInstance({ studyUid: first.studyUid })];
    rgb = makeRgbMultiframe(first.studyUid, '5');
    b = makeInstance();
    await client.storeInstances({ datasets: [...a, rgb].map((i) => i.buffer) });
    await client.storeInstances({ datasets: [b.buffer] });
  });
  afterAll(async () => {
    await gw?.close();
    await tmp?.remove();
  });

  const get = (path: string, accept = 'application/dicom+json') =>
    fetch(`${gw.url}/dicomweb/${path}`, { headers: { accept } });

  it('finds a study by UID with its counts, modalities and RetrieveURL', async () => {
    const found = await client.searchForStudies({ queryParams: { StudyInstanceUID: a[0].studyUid } });
    expect(found).toHaveLength(1);
    expect(value(found[0], '0020000D')).toBe(a[0].studyUid);
    expect(value(found[0], '00201206')).toBe(2);
    expect(value(found[0], '00201208')).toBe(4);
    expect(found[0]['00080061'].Value).toEqual(['OP', 'XC']);
    expect(value(found[0], '00081190')).toBe(`${gw.url}/dicomweb/studies/${a[0].studyUid}`);
    expect(JSON.stringify(found)).not.toContain('PHI-ID-123');
  });

  it('pages studies with limit/offset over a UID list', async () => {
    const list = `${a[0].studyUid},${b.studyUid}`;
    const page = async (offset: number) =>
      (await client.searchForStudies({ queryParams: { StudyInstanceUID: list, limit: 1, offset } })).map(
        (s) => value(s, '0020000D'),
      );
    expect(await page(0)).toEqual([a[0].studyUid]);
    expect(await page(1)).toEqual([b.studyUid]);
    expect(await page(2)).toEqual([]);
    const all = await client.searchForStudies();
    expect(all.map((s) => value(s, '0020000D'))).toEqual(expect.arrayContaining([a[0].studyUid, b.studyUid]));
  });

  it('lists the series of a study with instance counts; matches on Modality', async () => {
    const series = await client.searchForSeries({ studyInstanceUID: a[0].studyUid });
    const byUid = Object.fromEntries(series.map((s) => [value(s, '0020000E'), s]));
    expect(Object.keys(byUid).sort()).toEqual([a[0].seriesUid, rgb.seriesUid].sort());
    expect(value(byUid[a[0].seriesUid], '00201209')).toBe(3);
    expect(value(byUid[a[0].seriesUid], '00080060')).toBe('OP');
    expect(value(byUid[rgb.seriesUid], '00201209')).toBe(1);
    expect(value(byUid[rgb.seriesUid], '00081190')).toBe(
      `${gw.url}/dicomweb/studies/${a[0].studyUid}/series/${rgb.seriesUid}`,
    );
    const xc = await client.searchForSeries({
      queryParams: { Modality: 'XC', StudyInstanceUID: a[0].studyUid },
    });
    expect(xc.map((s) => value(s, '0020000E'))).toEqual([rgb.seriesUid]);
  });

  it('lists instances of a series in InstanceNumber order with the standard tags; pages them', async () => {
    const opts = { studyInstanceUID: a[0].studyUid, seriesInstanceUID: a[0].seriesUid };
    const found = await client.searchForInstances(opts);
    expect(found.map((i) => value(i, '00080018'))).toEqual(a.map((i) => i.sopInstanceUid));
    expect(value(found[0], '00080016')).toBe('1.2.840.10008.5.1.4.1.1.7');
    expect(value(found[0], '0020000D')).toBe(a[0].studyUid);
    expect(value(found[0], '0020000E')).toBe(a[0].seriesUid);
    expect(value(found[0], '00080060')).toBe('OP');
    expect(value(found[0], '00200062')).toBe('R');
    expect(value(found[0], '00280010')).toBe(8);
    expect(value(found[0], '00081190')).toBe(
      `${gw.url}/dicomweb/studies/${a[0].studyUid}/series/${a[0].seriesUid}/instances/${a[0].sopInstanceUid}`,
    );
    const page = await client.searchForInstances({ ...opts, queryParams: { limit: 2, offset: 2 } });
    expect(page.map((i) => value(i, '00080018'))).toEqual([a[2].sopInstanceUid]);
  });

  it('searches instances of a study by ImageLaterality and SOPInstanceUID', async () => {
    const left = await client.searchForInstances({
      studyInstanceUID: a[0].studyUid,
      queryParams: { ImageLaterality: 'L' },
    });
    expect(left.map((i) => value(i, '00080018'))).toEqual([rgb.sopInstanceUid]);
    expect(value(left[0], '00280008')).toBe(2);
    const one = await client.searchForInstances({ queryParams: { '00080018': b.sopInstanceUid } });
    expect(one.map((i) => value(i, '0020000D'))).toEqual([b.studyUid]);
  });

  it('answers 204 with no body when nothing matches', async () => {
    expect(await client.searchForStudies({ queryParams: { StudyInstanceUID: '1.2.3.999' } })).toEqual([]);
    const res = await get(`studies/1.2.3.999/series`);
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
  });

  it('answers 400 with a clear message for malformed UIDs and parameters, 406 for an odd Accept', async () => {
    for (const [path, text] of [
      ['studies?StudyInstanceUID=../../x', 'StudyInstanceUID is not a valid UID'],
      ['studies/1.02.3/series', 'StudyInstanceUID is not a valid UID'],
      [`studies/${a[0].studyUid}/series/x/instances`, 'SeriesInstanceUID is not a valid UID'],
      ['studies?limit=0', 'limit must be an integer'],
      ['instances?offset=-1', 'offset must be an integer'],
      ['series?Modality=op%27%3B', 'Modality must be a code string'],
      ['studies?%3Bdrop=1', 'Unknown or malformed query parameter'],
    ]) {
      const res = await get(path);
      expect(res.status, path).toBe(400);
      expect(((await res.json()) as { message: string }).message).toContain(text);
    }
    expect((await get('studies', 'text/html')).status).toBe(406);
    expect(JSON.stringify(logs)).not.toContain('../../x');
  });

  it('ignores query keys it does not hold, with a Warning header; never logs PHI', async () => {
    const res = await get(
      `studies?StudyInstanceUID=${b.studyUid}&PatientName=Secret*&includefield=StudyDate`,
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('warning')).toContain('PatientName');
    const body = (await res.json()) as Record<string, unknown>[];
    expect(body).toHaveLength(1);
    expect(body[0]['00080020']).toEqual({ vr: 'UN' });
    const text = JSON.stringify(logs);
    for (const phi of PLANTED_PHI) expect(text).not.toContain(phi);
  });
});
