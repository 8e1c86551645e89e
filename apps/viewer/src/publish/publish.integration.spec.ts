import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDicom, writeDicom, type NaturalDataset } from '@ropline/dicom';
import { createImageDataset, dciodvfyFindings, runOn } from '@ropline/dicom/testing';
import { createGateway, type Gateway } from '@ropline/gateway';
import { makeTempDir, multipartBody, newStudyUid, OP_8BIT, waitFor } from '@ropline/gateway/testing';
import { makeFundusLike } from '@ropline/testing';
import { parseViewerConfig } from '../config/viewer.config.js';
import { startPublisher, type Publisher } from './publisher.js';

const ctx = { log: () => undefined };

/** An OP image whose patient name needs Latin-1 (ISO_IR 100), as many European PACS send them. */
function latin1Instance(study: string, n: number, laterality: 'R' | 'L'): Uint8Array {
  const img = makeFundusLike(120, 100, n);
  return writeDicom(
    createImageDataset({
      rows: img.height,
      columns: img.width,
      samplesPerPixel: 3,
      pixelData: img.data,
      sopClassUid: OP_8BIT,
      extra: {
        SpecificCharacterSet: 'ISO_IR 100',
        PatientName: 'Müller^Zoë',
        PatientID: 'LAT1-1',
        StudyInstanceUID: study,
        SeriesInstanceUID: `${study}.0`,
        SOPInstanceUID: `${study}.${n}`,
        InstanceNumber: n,
        Modality: 'OP',
        ImageLaterality: laterality,
      },
    }),
  );
}

/**
 * The publisher on a real gateway (embedded Postgres, demo worker), no destinations: the SC and SR it
 * builds from a real analysis pass dciodvfy and keep the source's patient name and character set.
 */
describe('publisher: result objects of a real analysis', () => {
  let tmp: Awaited<ReturnType<typeof makeTempDir>>;
  let gw: Gateway;
  let publisher: Publisher;
  const study = newStudyUid();

  beforeAll(async () => {
    tmp = await makeTempDir('publish');
    gw = await createGateway(
      {
        port: 0,
        dataDir: path.join(tmp.dir, 'gw'),
        limits: { minFreeDiskBytes: 0 },
        dimse: { enabled: false },
        analysis: { quietPeriodMs: 300, eyeStageMinConfidence: 0 },
        worker: { backend: 'wasm' },
      },
      ctx,
    );
    publisher = await startPublisher({
      config: parseViewerConfig({ port: 0 }),
      db: gw.db,
      blobs: gw.blobs,
      queue: gw.analysis.queue,
      ctx,
    });
    const boundary = 'b0undary';
    const res = await fetch(`${gw.url}/dicomweb/studies`, {
      method: 'POST',
      headers: { 'content-type': `multipart/related; type="application/dicom"; boundary=${boundary}` },
      body: multipartBody(boundary, [latin1Instance(study, 1, 'R'), latin1Instance(study, 2, 'L')]),
    });
    expect(res.status).toBe(200);
    await waitFor(
      async () => ((await gw.db.prisma.resultObject.count({ where: { kind: 'report' } })) ? true : undefined),
      90_000,
      'the report',
    );
  });
  afterAll(async () => {
    await publisher?.close();
    await gw?.close();
    await tmp?.remove();
  });

  it('builds one SC per image and one SR, kept (no destinations: nothing queued)', async () => {
    const objects = await gw.db.prisma.resultObject.findMany({ orderBy: { kind: 'asc' } });
    expect(objects.map((o) => o.kind).sort()).toEqual(['overlay', 'overlay', 'report']);
    expect(await gw.db.prisma.outboxItem.count()).toBe(0);
    for (const o of objects) expect(o.studyInstanceUid).toBe(study);
  });

  it.each(['overlay', 'report'] as const)('the %s passes dciodvfy with no errors', async (kind) => {
    const o = await gw.db.prisma.resultObject.findFirstOrThrow({ where: { kind } });
    const run = await runOn('dciodvfy', await gw.blobs.get(o.blobSha256));
    if (!run) return;
    expect(dciodvfyFindings(run.output).errors).toEqual([]);
  });

  it.each(['overlay', 'report'] as const)(
    "the %s keeps the source's SpecificCharacterSet and Latin-1 patient name bytes",
    async (kind) => {
      const o = await gw.db.prisma.resultObject.findFirstOrThrow({ where: { kind } });
      const bytes = await gw.blobs.get(o.blobSha256);
      const e = readDicom(bytes).elements as NaturalDataset;
      expect(e.SpecificCharacterSet).toBe('ISO_IR 100');
      expect(JSON.stringify(e.PatientName)).toContain('Müller^Zoë');
      expect(bytes.includes(Buffer.from('M\xfcller^Zo\xeb', 'latin1'))).toBe(true);
      expect(bytes.includes(Buffer.from('Müller', 'utf8'))).toBe(false);
    },
  );
});
