import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeFrame, readDicom } from '@ropline/dicom';
import { decodeImageBytes } from '@ropline/preprocess';
import { createGateway, type Gateway } from '../create-gateway.js';
import { makeInstance, PLANTED_PHI, type TestInstance } from '../testing/stow.fixtures.js';
import { makeTempDir } from '../testing/temp-dir.util.js';
import {
  createQidoWadoClient,
  makeRgbMultiframe,
  uidsOf,
  value,
  type QidoWadoClient,
} from './dicomweb.fixtures.js';

const logs: unknown[] = [];
const ctx = { log: (level: string, msg: string, meta?: unknown) => void logs.push({ level, msg, meta }) };
const same = (got: ArrayBuffer | Uint8Array, want: Uint8Array) =>
  Buffer.compare(Buffer.from(got instanceof Uint8Array ? got : new Uint8Array(got)), Buffer.from(want));

describe('WADO-RS (real gateway, embedded Postgres, dicomweb-client)', () => {
  let tmp: Awaited<ReturnType<typeof makeTempDir>>;
  let gw: Gateway;
  let client: QidoWadoClient;
  let a: TestInstance[];
  let rgb: TestInstance;
  beforeAll(async () => {
    tmp = await makeTempDir('wado');
    gw = await createGateway({ port: 0, dataDir: tmp.dir, limits: { minFreeDiskBytes: 0 } }, ctx);
    client = createQidoWadoClient(gw.url);
    const first = makeInstance();
    a = [first, makeInstance({ studyUid: first.studyUid }), makeInstance({ studyUid: first.studyUid })];
    rgb = makeRgbMultiframe(first.studyUid, '5');
    await client.storeInstances({ datasets: [...a, rgb].map((i) => i.buffer) });
  });
  afterAll(async () => {
    await gw?.close();
    await tmp?.remove();
  });

  const base = (i: TestInstance) =>
    `${gw.url}/dicomweb/studies/${i.studyUid}/series/${i.seriesUid}/instances/${i.sopInstanceUid}`;

  it('retrieves an instance, a series and a study byte-identical to what was stored', async () => {
    expect(same(await client.retrieveInstance(uidsOf(rgb)), rgb.bytes)).toBe(0);
    const series = await client.retrieveSeries({
      studyInstanceUID: a[0].studyUid,
      seriesInstanceUID: a[0].seriesUid,
    });
    expect(series).toHaveLength(3);
    series.forEach((buf, k) => expect(same(buf, a[k].bytes)).toBe(0));
    const study = await client.retrieveStudy({ studyInstanceUID: a[0].studyUid });
    expect(study).toHaveLength(4);
    expect(study.map((buf) => readDicom(new Uint8Array(buf)).string('SOPInstanceUID')).sort()).toEqual(
      [...a, rgb].map((i) => i.sopInstanceUid).sort(),
    );
    const res = await fetch(base(a[1]), {
      headers: { accept: 'multipart/related; type="application/dicom"' },
    });
    expect(res.headers.get('content-type')).toMatch(
      /^multipart\/related; type="application\/dicom"; boundary=/,
    );
  });

  it('returns the header as DICOM JSON without a PixelData value', async () => {
    const [meta] = await client.retrieveInstanceMetadata(uidsOf(rgb));
    expect(value(meta, '00080018')).toBe(rgb.sopInstanceUid);
    expect(value(meta, '0020000D')).toBe(rgb.studyUid);
    expect(value(meta, '0020000E')).toBe(rgb.seriesUid);
    expect(value(meta, '00080016')).toBe('1.2.840.10008.5.1.4.1.1.7');
    expect(value(meta, '00280010')).toBe(6);
    expect(value(meta, '00280011')).toBe(10);
    expect(value(meta, '00280002')).toBe(3);
    expect(meta['00020010']).toBeUndefined();
    expect(meta['7FE00010']).toEqual({ vr: 'OB', BulkDataURI: `${base(rgb)}/frames/1,2` });
    const res = await fetch(`${gw.url}/dicomweb/studies/${rgb.studyUid}/metadata`);
    expect(res.headers.get('content-type')).toContain('application/dicom+json');
    expect(((await res.json()) as unknown[]).length).toBe(4);
  });

  it('returns decoded frames equal to decodeFrame of the original', async () => {
    const ds = readDicom(rgb.bytes);
    const frames = await client.retrieveInstanceFrames({ ...uidsOf(rgb), frameNumbers: [2, 1] });
    expect(frames).toHaveLength(2);
    expect(same(frames[0], (await decodeFrame(ds, 1)).data)).toBe(0);
    expect(same(frames[1], (await decodeFrame(ds, 0)).data)).toBe(0);
    expect(frames[0].byteLength).toBe(6 * 10 * 3);
    const [gray] = await client.retrieveInstanceFrames({ ...uidsOf(a[0]), frameNumbers: [1] });
    expect(same(gray, (await decodeFrame(readDicom(a[0].bytes), 0)).data)).toBe(0);
  });

  it('renders a PNG of the expected size and pixels', async () => {
    const res = await fetch(`${base(rgb)}/rendered`, { headers: { accept: 'image/png' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    const png = decodeImageBytes(new Uint8Array(await res.arrayBuffer()));
    expect([png.width, png.height, png.channels]).toEqual([10, 6, 3]);
    expect(same(png.data, (await decodeFrame(readDicom(rgb.bytes), 0)).data)).toBe(0);
    const second = await fetch(`${base(rgb)}/frames/2/rendered`);
    const png2 = decodeImageBytes(new Uint8Array(await second.arrayBuffer()));
    expect(same(png2.data, (await decodeFrame(readDicom(rgb.bytes), 1)).data)).toBe(0);
    const gray = decodeImageBytes(
      new Uint8Array(await (await fetch(`${base(a[0])}/rendered`)).arrayBuffer()),
    );
    expect([gray.width, gray.height, gray.channels]).toEqual([8, 8, 1]);
  });

  it('answers 404 for unknown UIDs, 400 for malformed ones, 406 for what it cannot produce', async () => {
    const study = a[0].studyUid;
    const cases: [string, number, Record<string, string>?][] = [
      [`${gw.url}/dicomweb/studies/1.2.3.999`, 404],
      [`${gw.url}/dicomweb/studies/${study}/series/${rgb.seriesUid}/instances/${a[0].sopInstanceUid}`, 404],
      [`${gw.url}/dicomweb/studies/${study}/series/1.2.3/metadata`, 404],
      [`${base(rgb)}/frames/3`, 404],
      [`${gw.url}/dicomweb/studies/1.2.x`, 400],
      [`${gw.url}/dicomweb/studies/${study}/series/..%2F..%2Fx/instances/1.2`, 400],
      [`${base(rgb)}/frames/0`, 400],
      [`${base(rgb)}/frames/1;2`, 400],
      [`${base(rgb)}/frames/1,2/rendered`, 400],
      [
        base(rgb),
        406,
        { accept: 'multipart/related; type="application/dicom"; transfer-syntax=1.2.840.10008.1.2.4.50' },
      ],
      [base(rgb), 406, { accept: 'application/zip' }],
      [`${base(rgb)}/metadata`, 406, { accept: 'application/dicom+xml' }],
      [`${base(rgb)}/frames/1`, 406, { accept: 'multipart/related; type="image/jpeg"' }],
      [`${base(rgb)}/rendered`, 406, { accept: 'image/jpeg' }],
    ];
    for (const [url, status, headers] of cases) {
      const res = await fetch(url, { headers });
      expect(res.status, url).toBe(status);
      expect(((await res.json()) as { message: string }).message.length).toBeGreaterThan(5);
    }
    const ok = await fetch(base(rgb), {
      headers: { accept: 'multipart/related; type="application/dicom"; transfer-syntax=1.2.840.10008.1.2.1' },
    });
    expect(ok.status).toBe(200);
    await ok.arrayBuffer();
  });

  it('logs UIDs and statuses only, never patient identifiers', () => {
    const text = JSON.stringify(logs);
    expect(text).toContain(rgb.sopInstanceUid);
    for (const phi of PLANTED_PHI) expect(text).not.toContain(phi);
  });
});
