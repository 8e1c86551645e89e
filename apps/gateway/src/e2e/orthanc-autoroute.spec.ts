import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { generatePhantoms } from '@ropline/phantom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../analysis/analysis.fixtures.js';
import { createGateway, type Gateway } from '../create-gateway.js';
import type { StudyResults } from '../results/results.service.js';
import { hasOrthanc, startOrthanc, type OrthancProcess } from '../testing/orthanc.process.js';
import { makeTempDir } from '../testing/temp-dir.util.js';

const available = hasOrthanc();
if (!available) console.warn('SKIPPED e2e/orthanc-autoroute.spec: /usr/sbin/Orthanc is not installed');

const ctx = { log: () => undefined };
const require = createRequire(import.meta.url);
const dcmjs = require('dcmjs') as {
  data: { DicomMessage: { readFile(b: ArrayBuffer): { dict: Record<string, unknown> } } };
};
/** The data set's elements as JSON (binary values as hex): equal = same elements and values. */
const datasetOf = (b: Buffer) =>
  JSON.stringify(
    dcmjs.data.DicomMessage.readFile(b.buffer.slice(b.byteOffset, b.byteOffset + b.length) as ArrayBuffer)
      .dict,
    (_k, v: unknown) => (v instanceof ArrayBuffer ? Buffer.from(v).toString('hex') : v),
  );
type Tags = Record<string, { Value?: unknown[] }>;
const tag = (item: Tags, t: string) => item[t]?.Value?.[0] as string;

/**
 * A private Orthanc (the PACS) holds a 2-infant phantom cohort and auto-routes it to the gateway:
 * infant 1's study by STOW-RS (DicomWeb.Servers), infant 2's by C-STORE (DicomModalities).
 */
describe.skipIf(!available)('e2e: Orthanc -> gateway (STOW-RS + C-STORE) -> analysis -> results', () => {
  let tmp: Awaited<ReturnType<typeof makeTempDir>>;
  let gw: Gateway;
  let orthanc: OrthancProcess;
  /** Orthanc instance id -> its study UID and SOP Instance UID. */
  const held: { id: string; study: string; sop: string }[] = [];
  const studies: { uid: string; orthancId: string; via: 'stow' | 'dimse' }[] = [];
  const orthancJson = async <T>(p: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${orthanc.url}${p}`, {
      method: body === undefined ? 'GET' : 'POST',
      ...(body === undefined
        ? {}
        : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    if (!res.ok) throw new Error(`Orthanc ${p}: ${res.status} ${orthanc.output().slice(-2000)}`);
    return (await res.json()) as T;
  };

  beforeAll(async () => {
    process.env.TCP_NODELAY = '1';
    tmp = await makeTempDir('e2e-orthanc');
    gw = await createGateway(
      {
        port: 0,
        dataDir: path.join(tmp.dir, 'gw'),
        limits: { minFreeDiskBytes: 0 },
        dimse: { enabled: true, port: 0, allowedCallingAeTitles: ['TESTPACS'] },
        analysis: { quietPeriodMs: 1500 },
        worker: { backend: 'wasm' },
      },
      ctx,
    );
    orthanc = await startOrthanc(
      path.join(tmp.dir, 'orthanc'),
      { ropline: [`${gw.url}/dicomweb/`] },
      { DicomModalities: { ropline: [gw.dimse!.aeTitle, '127.0.0.1', gw.dimse!.port] } },
    );
    const out = path.join(tmp.dir, 'phantoms');
    const cohort = await generatePhantoms({ out, infants: 2, seed: 7, dicom: true, size: [160, 120] });
    for (const rel of cohort.dicomFiles) {
      const res = await fetch(`${orthanc.url}/instances`, {
        method: 'POST',
        body: await readFile(path.join(out, rel)),
      });
      expect(res.status).toBe(200);
      const { ID } = (await res.json()) as { ID: string };
      const tags = await orthancJson<{ StudyInstanceUID: string; SOPInstanceUID: string }>(
        `/instances/${ID}/simplified-tags`,
      );
      held.push({ id: ID, study: tags.StudyInstanceUID, sop: tags.SOPInstanceUID });
    }
    const ids = await orthancJson<string[]>('/studies');
    for (const [i, id] of ids.entries()) {
      const s = await orthancJson<{ MainDicomTags: { StudyInstanceUID: string } }>(`/studies/${id}`);
      studies.push({ uid: s.MainDicomTags.StudyInstanceUID, orthancId: id, via: i === 0 ? 'stow' : 'dimse' });
    }
  });
  afterAll(async () => {
    await orthanc?.stop();
    await gw?.close();
    await tmp?.remove();
  });

  it('holds a 2-study phantom cohort in Orthanc', () => {
    expect(studies.length).toBe(2);
    expect(held.length).toBeGreaterThanOrEqual(4);
  });

  it('Orthanc pushes one study by STOW-RS and one by C-STORE; every instance is stored byte-identically', async () => {
    const [a, b] = studies;
    const stow = await fetch(`${orthanc.url}/dicom-web/servers/ropline/stow`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ Resources: [a.orthancId] }),
    });
    expect([stow.status, stow.status === 200 ? '' : orthanc.output().slice(-3000)]).toEqual([200, '']);
    const store = await fetch(`${orthanc.url}/modalities/ropline/store`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ Resources: [b.orthancId], Synchronous: true }),
    });
    expect([store.status, store.status === 200 ? '' : orthanc.output().slice(-3000)]).toEqual([200, '']);

    expect(await gw.db.prisma.instance.count()).toBe(held.length);
    for (const h of held) {
      const row = await gw.db.prisma.instance.findUniqueOrThrow({ where: { sopInstanceUid: h.sop } });
      const via = studies.find((s) => s.uid === h.study)!.via;
      expect(row.source).toBe(via);
      const blob = await gw.blobs.get(row.blobSha256);
      expect(blob.length).toBe(Number(row.byteSize));
      const file = Buffer.from(await (await fetch(`${orthanc.url}/instances/${h.id}/file`)).arrayBuffer());
      if (via === 'stow') expect(Buffer.compare(blob, file)).toBe(0);
      else {
        // C-STORE carries the data set only, and Orthanc's DCMTK re-encodes undefined-length
        // sequences with explicit lengths on the wire: ours = our file meta + exactly the data set
        // Orthanc sent, which is element-for-element (and pixel-for-pixel) its stored file.
        expect(datasetOf(blob)).toEqual(datasetOf(file));
      }
    }
  });

  it('analyses each study exactly once with the demo pipeline; results per eye through the API', async () => {
    for (const s of studies) {
      await waitFor(
        async () => {
          const r = (await (await fetch(`${gw.url}/api/studies/${s.uid}/results`)).json()) as StudyResults;
          return r.status === 'analysed' ? r : undefined;
        },
        120_000,
        `analysis of ${s.via} study`,
      );
    }
    // Longer than the quiet period: no second run appears.
    await new Promise((r) => setTimeout(r, 2500));
    for (const s of studies) {
      const analyses = await gw.db.prisma.analysis.findMany({
        where: { study: { studyInstanceUid: s.uid } },
      });
      expect(analyses.map((a) => a.status)).toEqual(['done']);
      const r = (await (await fetch(`${gw.url}/api/studies/${s.uid}/results`)).json()) as StudyResults;
      const mine = held.filter((h) => h.study === s.uid);
      expect(r.analysis).toMatchObject({
        id: analyses[0].id,
        pipeline: { key: 'default' },
        imageCount: mine.length,
      });
      expect(r.analysis!.images.filter((i) => i.status === 'ok').length).toBe(mine.length);
      expect(r.analysis!.eyes.map((e) => e.laterality).sort()).toEqual(['L', 'R']);
      for (const e of r.analysis!.eyes) {
        expect(e.stage).toMatch(/^(stage\d|indeterminate)$/);
        if (e.evidence) expect(mine.map((m) => m.sop)).toContain(e.evidence.sopInstanceUid);
      }
    }
  });

  it('QIDO/WADO answers match what Orthanc holds (UIDs, counts)', async () => {
    const mine = (await (await fetch(`${gw.url}/dicomweb/studies`)).json()) as Tags[];
    const theirs = (await (await fetch(`${orthanc.url}/dicom-web/studies`)).json()) as Tags[];
    const uidsOf = (l: Tags[]) => l.map((s) => tag(s, '0020000D')).sort();
    expect(uidsOf(mine)).toEqual(uidsOf(theirs));
    for (const s of studies) {
      const count = (l: Tags[]) => l.find((x) => tag(x, '0020000D') === s.uid)?.['00201208']?.Value?.[0];
      expect(count(mine)).toBe(held.filter((h) => h.study === s.uid).length);
      expect(count(mine)).toBe(count(theirs));
      const q = `/studies/${s.uid}/instances`;
      const ours = (await (await fetch(`${gw.url}/dicomweb${q}`)).json()) as Tags[];
      const orth = (await (await fetch(`${orthanc.url}/dicom-web${q}`)).json()) as Tags[];
      const sops = (l: Tags[]) => l.map((x) => tag(x, '00080018')).sort();
      expect(sops(ours)).toEqual(sops(orth));
      const meta = (await (await fetch(`${gw.url}/dicomweb/studies/${s.uid}/metadata`)).json()) as Tags[];
      expect(sops(meta)).toEqual(sops(orth));
      const series = (l: Tags[]) => [...new Set(l.map((x) => tag(x, '0020000E')))].sort();
      expect(series(meta)).toEqual(series(orth));
    }
  });
});
