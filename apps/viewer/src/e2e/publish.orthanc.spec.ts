import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeFrame, LINE_RGB, EDGE_RGB, readDicom, STAGE_CODES, type NaturalDataset } from '@ropline/dicom';
import { createGateway, DEFAULT_ROUTE_RULES, type Gateway } from '@ropline/gateway';
import {
  freePort,
  hasOrthanc,
  makeOpInstance,
  makeTempDir,
  multipartBody,
  newStudyUid,
  startOrthanc,
  waitFor,
  type OrthancProcess,
} from '@ropline/gateway/testing';
import { generatePhantoms } from '@ropline/phantom';
import { decodeImageBytes } from '@ropline/preprocess';
import { parseViewerConfig } from '../config/viewer.config.js';
import { startPublisher, type Publisher } from '../publish/publisher.js';

const available = hasOrthanc();
if (!available) console.warn('SKIPPED e2e/publish.orthanc.spec: /usr/sbin/Orthanc is not installed');

const ctx = { log: () => undefined };

/**
 * The PACS round trip of issue 7: a phantom study goes from a real Orthanc into the gateway, is
 * analysed with the demo model, and its SC overlays and SR come back into that Orthanc by STOW-RS and
 * by C-STORE (two destinations), exactly once each; a clinician's correction is re-published as a
 * verified SR revision while Orthanc is down, and delivered once it is back.
 */
describe.skipIf(!available)('e2e: Orthanc -> gateway -> analysis -> SC + SR -> Orthanc', () => {
  let tmp: Awaited<ReturnType<typeof makeTempDir>>;
  let gw: Gateway;
  let orthanc: OrthancProcess;
  let publisher: Publisher;
  let studyUid = '';
  let originals = 0;
  const ports = { http: 0, dicom: 0 };
  const orthancDir = () => path.join(tmp.dir, 'orthanc');
  const startPacs = async () =>
    (orthanc = await startOrthanc(
      orthancDir(),
      { ropline: [`${gw.url}/dicomweb/`] },
      {
        HttpPort: ports.http,
        DicomPort: ports.dicom,
      },
    ));
  const orthancJson = async <T>(p: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${orthanc.url}${p}`, {
      method: body === undefined ? 'GET' : 'POST',
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    if (!res.ok) throw new Error(`Orthanc ${p}: ${res.status}`);
    return (await res.json()) as T;
  };
  /** The Part-10 file Orthanc holds for a SOP Instance UID. */
  const orthancFile = async (sop: string) => {
    const [hit] = await orthancJson<{ ID: string; Type: string }[]>('/tools/lookup', sop);
    expect(hit?.Type).toBe('Instance');
    return Buffer.from(await (await fetch(`${orthanc.url}/instances/${hit.ID}/file`)).arrayBuffer());
  };
  const orthancSeries = async () => {
    const series = (await (
      await fetch(`${orthanc.url}/dicom-web/studies/${studyUid}/series`)
    ).json()) as Record<string, { Value?: unknown[] }>[];
    return series.map((s) => ({
      uid: s['0020000E']?.Value?.[0] as string,
      modality: s['00080060']?.Value?.[0] as string,
      description: s['0008103E']?.Value?.[0] as string,
      count: s['00201209']?.Value?.[0] as number,
    }));
  };
  const allSent = async () => {
    const items = await publisher.outbox.list();
    return items.length && items.every((i) => i.status === 'sent') ? items : undefined;
  };

  beforeAll(async () => {
    tmp = await makeTempDir('viewer-e2e');
    [ports.http, ports.dicom] = [await freePort(), await freePort()];
    gw = await createGateway(
      {
        port: 0,
        dataDir: path.join(tmp.dir, 'gw'),
        limits: { minFreeDiskBytes: 0 },
        dimse: { enabled: false },
        analysis: { quietPeriodMs: 1000 },
        // Secondary Captures from the modality are forwarded to the PACS as received (issue 6).
        routing: {
          rules: [
            ...DEFAULT_ROUTE_RULES,
            { name: 'sc-to-pacs', match: { modality: 'OT' }, action: 'forward', destination: 'pacs-web' },
          ],
        },
        worker: { backend: 'wasm' },
      },
      ctx,
    );
    await startPacs();
    const config = parseViewerConfig({
      port: 0,
      destinations: [
        { name: 'pacs-web', kind: 'stow', url: `${orthanc.url}/dicom-web` },
        {
          name: 'pacs-dimse',
          kind: 'dimse',
          host: '127.0.0.1',
          port: ports.dicom,
          calledAeTitle: 'TESTPACS',
        },
      ],
      delivery: { backoffBaseMs: 100, backoffMaxMs: 500, pollIntervalMs: 100, maxAttempts: 50 },
    });
    publisher = await startPublisher({ config, db: gw.db, blobs: gw.blobs, queue: gw.analysis.queue, ctx });
    const out = path.join(tmp.dir, 'phantoms');
    const cohort = await generatePhantoms({ out, infants: 1, seed: 11, dicom: true, size: [160, 120] });
    for (const rel of cohort.dicomFiles) {
      const res = await fetch(`${orthanc.url}/instances`, {
        method: 'POST',
        body: await readFile(path.join(out, rel)),
      });
      expect(res.status).toBe(200);
    }
    originals = cohort.dicomFiles.length;
    const [id] = await orthancJson<string[]>('/studies');
    studyUid = (await orthancJson<{ MainDicomTags: { StudyInstanceUID: string } }>(`/studies/${id}`))
      .MainDicomTags.StudyInstanceUID;
    const stow = await orthancJson<unknown>('/dicom-web/servers/ropline/stow', { Resources: [id] });
    expect(stow).toBeDefined();
    await waitFor(allSent, 180_000, 'every result object delivered');
  });
  afterAll(async () => {
    await publisher?.close();
    await orthanc?.stop();
    await gw?.close();
    await tmp?.remove();
  });

  it('the SC overlay series and the SR come back into Orthanc under the original study, once each', async () => {
    const analysis = await gw.db.prisma.analysis.findFirstOrThrow({
      where: { status: 'done' },
      include: { predictions: true },
    });
    const ok = analysis.predictions.filter((p) => p.status === 'ok').length;
    expect(ok).toBe(originals);
    const series = await orthancSeries();
    const overlay = series.find((s) => s.description === 'ROP AI overlay');
    const report = series.find((s) => s.description === 'ROP AI report');
    expect(overlay).toMatchObject({ modality: 'OT', count: ok });
    expect(report).toMatchObject({ modality: 'SR', count: 1 });
    const stats = await orthancJson<{ CountInstances: number }>('/statistics');
    expect(stats.CountInstances).toBe(originals + ok + 1);
    // One outbox row per object and destination, each delivered on its first attempt.
    const items = await publisher.outbox.list();
    expect(items.length).toBe(2 * (ok + 1));
    expect(items.map((i) => [i.status, i.attempts])).toEqual(items.map(() => ['sent', 1]));
    expect(new Set(items.map((i) => i.lastStatus))).toEqual(new Set(['STOW stored', 'DIMSE 0x0000']));
  });

  it("the SC's pixels show the burned-in line where the mask is, and the source elsewhere", async () => {
    const withMask = await gw.db.prisma.prediction.findMany({
      where: { status: 'ok', maskSha256: { not: null } },
      include: { instance: true },
    });
    // The first image on which the model found a line.
    let p: (typeof withMask)[number] | undefined;
    let mask: ReturnType<typeof decodeImageBytes> | undefined;
    for (const candidate of withMask) {
      const m = decodeImageBytes(await gw.blobs.get(candidate.maskSha256!));
      if (m.data.some((v) => v !== 0)) {
        [p, mask] = [candidate, m];
        break;
      }
    }
    if (!p || !mask) throw new Error('the demo model found no line on any phantom image');
    const sc = await gw.db.prisma.resultObject.findFirstOrThrow({
      where: { kind: 'overlay', sourceInstanceId: p.instanceId },
    });
    const scDs = readDicom(await orthancFile(sc.sopInstanceUid));
    const source = await decodeFrame(readDicom(await gw.blobs.get(p.instance.blobSha256)), 0);
    const img = await decodeFrame(scDs, 0);
    const { width: w, height: h } = source;
    expect([img.width, img.channels]).toEqual([w, 3]);
    expect(img.height).toBeGreaterThan(h); // caption band below the image
    const m = mask;
    const near = (x: number, y: number, r: number) => {
      for (let dy = -r; dy <= r; dy++)
        for (let dx = -r; dx <= r; dx++) {
          const xx = x + dx;
          const yy = y + dy;
          if (xx >= 0 && yy >= 0 && xx < w && yy < h && m.data[yy * w + xx]) return true;
        }
      return false;
    };
    let lineNearMask = 0;
    let lineFar = 0;
    let differFar = 0;
    let far = 0;
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const i = (y * w + x) * 3;
        const px = [img.data[i], img.data[i + 1], img.data[i + 2]];
        const isLine = px.every((v, c) => v === LINE_RGB[c]);
        if (near(x, y, 3)) {
          if (isLine) lineNearMask++;
        } else {
          if (isLine) lineFar++;
          if (!near(x, y, 5)) {
            far++;
            if (px.some((v, c) => v !== source.data[i + c])) differFar++;
          }
        }
      }
    expect(lineNearMask).toBeGreaterThan(10);
    expect(lineFar).toBe(0);
    expect(far).toBeGreaterThan(w * h * 0.5);
    expect(differFar).toBe(0);
    expect(EDGE_RGB).toHaveLength(3);
    const e = scDs.elements as NaturalDataset;
    expect(e.SOPClassUID).toBe('1.2.840.10008.5.1.4.1.1.7.4');
    expect(e.StudyInstanceUID).toBe(studyUid);
    expect(e.BurnedInAnnotation).toBe('YES');
    const ref = (e.SourceImageSequence as NaturalDataset[])[0];
    expect(ref.ReferencedSOPInstanceUID).toBe(p.instance.sopInstanceUid);
  });

  it('re-publishing the same analysis builds nothing new and queues nothing', async () => {
    const analysis = await gw.db.prisma.analysis.findFirstOrThrow({ where: { status: 'done' } });
    const before = await gw.db.prisma.resultObject.count();
    const summary = await publisher.publishAnalysis(analysis.id);
    expect(summary).toMatchObject({ overlays: 0, reports: 0, queued: 0 });
    expect(await gw.db.prisma.resultObject.count()).toBe(before);
  });

  it('a correction is re-published as a verified SR revision that supersedes the first, delivered after Orthanc comes back', async () => {
    const first = await gw.db.prisma.resultObject.findFirstOrThrow({ where: { kind: 'report' } });
    const analysis = await gw.db.prisma.analysis.findFirstOrThrow({
      where: { status: 'done' },
      include: { eyes: true },
    });
    const eye = analysis.eyes.find((x) => x.laterality === 'R' || x.laterality === 'L')!;
    await gw.db.prisma.confirmedLabel.create({
      data: {
        studyInstanceUid: studyUid,
        scope: 'eye',
        kind: 'stage',
        laterality: eye.laterality,
        stage: 'stage3',
        agreesWithModel: eye.stage === 'stage3',
        analysisId: analysis.id,
        modelVersion: analysis.pipelineVersion,
        actor: 'Doe^Jane',
      },
    });
    await orthanc.stop(); // the PACS goes down
    const r = await publisher.republish(studyUid, 'Doe^Jane');
    expect(r).toMatchObject({ queued: 2, revision: 1 });
    await waitFor(
      async () => {
        const pending = await publisher.outbox.list({ status: 'pending' });
        return pending.length === 2 &&
          pending.every((i) => i.attempts >= 1 && i.lastStatus?.startsWith('NETWORK'))
          ? true
          : undefined;
      },
      60_000,
      'failed attempts while the PACS is down',
    );
    await startPacs(); // back, same storage
    await waitFor(allSent, 60_000, 'delivery after the PACS is back');
    const reports = await gw.db.prisma.resultObject.findMany({
      where: { kind: 'report' },
      orderBy: { revision: 'asc' },
    });
    expect(reports.map((x) => [x.revision, x.supersededAt !== null])).toEqual([
      [0, true],
      [1, false],
    ]);
    expect((await orthancSeries()).find((s) => s.description === 'ROP AI report')?.count).toBe(2);
    const sr = readDicom(await orthancFile(reports[1].sopInstanceUid)).elements as NaturalDataset;
    expect(sr.VerificationFlag).toBe('VERIFIED');
    expect(JSON.stringify(sr.VerifyingObserverSequence)).toContain('Doe^Jane');
    const pred = (sr.PredecessorDocumentsSequence as NaturalDataset[])[0];
    const refSeries = (pred.ReferencedSeriesSequence as NaturalDataset[])[0];
    expect((refSeries.ReferencedSOPSequence as NaturalDataset[])[0].ReferencedSOPInstanceUID).toBe(
      first.sopInstanceUid,
    );
    expect(JSON.stringify(sr.ContentSequence)).toContain(`"${STAGE_CODES.stage3.CodeValue}"`);
  });

  it("a 'forward' route delivers the instance through the outbox, byte-identical, and analyses nothing", async () => {
    const study = newStudyUid();
    const sc = makeOpInstance(study, { sopClassUid: '1.2.840.10008.5.1.4.1.1.7', modality: 'OT' });
    const res = await fetch(`${gw.url}/dicomweb/studies`, {
      method: 'POST',
      headers: { 'content-type': 'multipart/related; type="application/dicom"; boundary=fw' },
      body: multipartBody('fw', [new Uint8Array(sc.buffer)]),
    });
    expect(res.status).toBe(200);
    const item = await waitFor(
      async () => {
        const [i] = await publisher.outbox.list({ studyInstanceUid: study });
        return i?.status === 'sent' ? i : undefined;
      },
      60_000,
      'the forwarded instance',
    );
    expect(item).toMatchObject({
      kind: 'forward',
      destination: 'pacs-web',
      sopInstanceUid: sc.sopInstanceUid,
      attempts: 1,
    });
    expect(Buffer.compare(await orthancFile(sc.sopInstanceUid), Buffer.from(sc.buffer))).toBe(0);
    const decision = await gw.db.prisma.routingDecision.findFirstOrThrow({
      where: { instance: { sopInstanceUid: sc.sopInstanceUid } },
    });
    expect(decision).toMatchObject({ action: 'forward', rule: 'sc-to-pacs', destination: 'pacs-web' });
    expect(await gw.db.prisma.analysis.count({ where: { study: { studyInstanceUid: study } } })).toBe(0);
  });
});
