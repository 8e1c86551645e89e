import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDicom, type NaturalDataset } from '@ropline/dicom';
import { createGateway, DEMO_PIPELINE_DIR, resolveTokens, type Gateway } from '@ropline/gateway';
import { makeTempDir, multipartBody, waitFor } from '@ropline/gateway/testing';
import { generatePhantoms, type PhantomSummary } from '@ropline/phantom';
import { createModelRegistry, type ModelRegistry } from '@ropline/registry';
import { parseViewerConfig } from '../config/viewer.config.js';
import { startViewer, type Viewer } from '../start-viewer.js';
import { hasChromium, launchChromium } from '../testing/chromium.js';

const ctx = { log: () => undefined };
const here = path.dirname(fileURLToPath(import.meta.url));
const ARTIFACTS = path.resolve(here, '../../test-artifacts');
const TOKENS = {
  sender: 'pacs-sender-token-0123',
  clinician: 'dr-ada-token-012345678',
  scientist: 'sci-bo-token-0123456789',
};
const NAME = 'rop-demo-hybrid';
type Run = {
  id: string;
  status: string;
  candidateName: string;
  candidateVersion: string;
  errorMessage: string | null;
  metrics: {
    candidate: Record<string, { estimate: number }>;
    active: Record<string, { estimate: number }>;
    heldOut: { items: string[]; infants: string[] };
  };
};

/**
 * Issue 8 end to end, the data scientists' loop on phantoms: studies in through the gateway ->
 * predictions by the active (demo) model -> a scripted clinician corrects every image's stage
 * through the review API -> a data scientist starts a retraining (real child processes:
 * `rop dataset snapshot` + `rop retrain`, fine-tuning from the active model) -> the candidate agrees
 * with the corrections better than the active model on the same held-out infants -> promote through
 * the gate -> the next study is analysed by the new version (prediction and SC overlay say so) ->
 * rollback restores the previous version.
 */
describe('e2e: corrections -> snapshot -> retrain -> gate -> promote -> analysis -> rollback', () => {
  let tmp: Awaited<ReturnType<typeof makeTempDir>>;
  let gw: Gateway;
  let viewer: Viewer;
  let registry: ModelRegistry;
  let demoVersion = '';
  let run: Run;

  const sendCohort = async (cohort: PhantomSummary, out: string) => {
    const files = await Promise.all(cohort.dicomFiles.map((f) => readFile(path.join(out, f))));
    const res = await fetch(`${gw.url}/dicomweb/studies`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${TOKENS.sender}`,
        'content-type': 'multipart/related; type="application/dicom"; boundary=e2e',
      },
      body: multipartBody('e2e', files),
    });
    expect(res.status).toBe(200);
    return files.map((f) => readDicom(f).elements as NaturalDataset);
  };
  const analysed = async (studyUid: string) =>
    waitFor(
      async () =>
        (await gw.db.prisma.analysis.findFirst({
          where: { study: { studyInstanceUid: studyUid }, status: 'done' },
          include: { predictions: true },
        })) ?? undefined,
      180_000,
      'analysis',
    );
  const review = (p: string, token: string, body?: unknown) =>
    fetch(`${viewer.url}/api/review${p}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const newStudy = async (seed: number) => {
    const out = path.join(tmp.dir, `next-${seed}`);
    const cohort = await generatePhantoms({ out, infants: 1, seed, dicom: true, size: [160, 120] });
    const [h] = await sendCohort(cohort, out);
    return analysed(String(h.StudyInstanceUID));
  };

  beforeAll(async () => {
    tmp = await makeTempDir('retrain-e2e');
    const dataDir = path.join(tmp.dir, 'var');
    // A fixed pseudonym key (normally 32 random bytes made on first use): the infants' keys, hence the
    // infant-grouped split and the held-out set, are then the same on every run and machine.
    await mkdir(dataDir, { mode: 0o755 }); // embedded Postgres (user postgres when root) must traverse it
    await mkdir(path.join(dataDir, 'secrets'), { mode: 0o700 });
    await writeFile(path.join(dataDir, 'secrets', 'pseudonym.key'), Buffer.alloc(32, 0x2a), { mode: 0o600 });
    gw = await createGateway(
      {
        port: 0,
        dataDir,
        limits: { minFreeDiskBytes: 0 },
        dimse: { enabled: false },
        analysis: {
          quietPeriodMs: 1000,
          eyeStageMinConfidence: 0,
          pipelines: { default: { registry: NAME, fallbackDir: DEMO_PIPELINE_DIR } },
        },
        worker: { backend: 'wasm' },
        auth: {
          tokens: [
            { name: 'pacs', token: TOKENS.sender, roles: ['sender'] },
            { name: 'dr-ada', token: TOKENS.clinician, roles: ['clinician'] },
            { name: 'sci-bo', token: TOKENS.scientist, roles: ['data-scientist'] },
          ],
        },
      },
      ctx,
    );
    registry = createModelRegistry({ prisma: gw.db.prisma, storeDir: path.join(dataDir, 'models') });
    const demo = await registry.register(DEMO_PIPELINE_DIR, { actor: 'setup' });
    demoVersion = demo.model.version;
    await registry.promote(NAME, demoVersion, { actor: 'setup' });
    // The SPA this viewer serves (built into the temp dir: the test does not depend on npm ci's build).
    const webRoot = path.join(tmp.dir, 'web');
    await build({
      configFile: path.resolve(here, '../../web/vite.config.ts'),
      logLevel: 'warn',
      build: { outDir: webRoot },
    });
    viewer = await startViewer({
      webRoot,
      config: parseViewerConfig({ port: 0, retraining: { epochsSeg: 1, epochsCls: 4 } }),
      db: gw.db,
      blobs: gw.blobs,
      queue: gw.analysis.queue,
      tokens: resolveTokens(gw.config.auth),
      ctx,
      dataDir,
    });
  });
  afterAll(async () => {
    await viewer?.close();
    await gw?.close();
    await tmp?.remove();
  });

  it('a clinician corrects every image of 8 analysed phantom studies through the review API', async () => {
    const out = path.join(tmp.dir, 'cohort');
    const cohort = await generatePhantoms({ out, infants: 8, seed: 3, dicom: true, size: [160, 120] });
    const headers = await sendCohort(cohort, out);
    const truth = new Map(
      cohort.eyes.map((e) => [
        `PHANTOM-${String(e.infantIndex).padStart(4, '0')}|${e.eye === 'OD' ? 'R' : 'L'}`,
        e.stage,
      ]),
    );
    const studies = [...new Set(headers.map((h) => String(h.StudyInstanceUID)))];
    for (const s of studies) await analysed(s);
    let agreedBefore = 0;
    for (const h of headers) {
      const inst = await gw.db.prisma.instance.findUniqueOrThrow({
        where: { sopInstanceUid: String(h.SOPInstanceUID) },
        include: { series: true, predictions: true },
      });
      const stage = `stage${truth.get(`${String(h.PatientID)}|${String(h.ImageLaterality)}`)}`;
      if (inst.predictions[0]?.stage === stage) agreedBefore++;
      const res = await review(`/studies/${inst.series.studyId}/labels`, TOKENS.clinician, {
        scope: 'image',
        kind: 'stage',
        instanceId: inst.id,
        frame: 0,
        laterality: String(h.ImageLaterality),
        stage,
      });
      expect(res.status).toBe(201);
    }
    expect(await gw.db.prisma.confirmedLabel.count({ where: { actor: 'dr-ada' } })).toBe(headers.length);
    // The demo model disagrees with the clinician on some images: there is something to learn.
    expect(agreedBefore).toBeLessThan(headers.length);
  });

  it('a data scientist retrains from the corrections; the candidate beats the active model on the held-out infants', async () => {
    const res = await review('/retraining', TOKENS.scientist, { from: 'active' });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    run = await waitFor(
      async () => {
        const r = (await (await review(`/retraining/${id}`, TOKENS.scientist)).json()) as Run;
        return r.status === 'done' || r.status === 'failed' ? r : undefined;
      },
      900_000,
      'the retraining run',
    );
    expect([run.status, run.errorMessage]).toEqual(['done', null]);
    expect(run.candidateName).toBe(NAME);
    expect(run.candidateVersion).toMatch(new RegExp(`^${demoVersion.replace(/[.+]/g, '\\$&')}\\+rt\\.`));
    const { candidate, active, heldOut } = run.metrics;
    expect(heldOut.items.length).toBeGreaterThan(0);
    expect(heldOut.infants.length).toBeGreaterThan(0);
    expect(candidate.macroF1.estimate).toBeGreaterThan(active.macroF1.estimate);
    expect(candidate.kappaQuadratic.estimate).toBeGreaterThanOrEqual(active.kappaQuadratic.estimate);
    // The evidence is stored beside the registered model.
    const m = await gw.db.prisma.registeredModel.findFirstOrThrow({
      where: { name: NAME, version: run.candidateVersion },
    });
    await expect(readFile(path.join(m.location, 'retrain-report.md'), 'utf8')).resolves.toMatch(/held-out/i);
  });

  it('promoted through the gate, the next study is analysed by the new version (prediction and SC); rollback restores the demo', async () => {
    const promoted = await review(`/retraining/${run.id}/promote`, TOKENS.scientist, {});
    expect(promoted.status).toBe(200);
    expect(await promoted.json()).toMatchObject({ version: run.candidateVersion, status: 'active' });

    const next = await newStudy(101);
    expect(next.pipelineVersion).toBe(run.candidateVersion);
    expect(JSON.stringify(next.predictions[0].models)).toContain('+rt.');
    const sc = await waitFor(
      async () =>
        (await gw.db.prisma.resultObject.findFirst({ where: { analysisId: next.id, kind: 'overlay' } })) ??
        undefined,
      60_000,
      'the SC overlay',
    );
    const equipment = (readDicom(await gw.blobs.get(sc.blobSha256)).elements as NaturalDataset)
      .ContributingEquipmentSequence as NaturalDataset[];
    expect(equipment[0]).toMatchObject({ Manufacturer: 'ROPline', SoftwareVersions: run.candidateVersion });

    await registry.rollback(NAME, { actor: 'sci-bo', reason: 'e2e rollback' });
    const after = await newStudy(102);
    expect(after.pipelineVersion).toBe(demoVersion);
  });

  it.skipIf(!hasChromium())('the Retraining page shows the run: candidate vs active, promoted', async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    const browser = await launchChromium();

    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 700 } });
      await page.goto(viewer.url);
      await page.getByLabel('Access token').fill(TOKENS.scientist);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('link', { name: 'Retraining' }).click();
      const table = page.getByTestId('retraining-runs');
      await table.waitFor();
      await expect.poll(() => table.textContent()).toContain(run.candidateVersion);
      expect(await table.textContent()).toMatch(/done/);
      await page.screenshot({ path: path.join(ARTIFACTS, 'retraining-runs.png'), fullPage: true });
    } finally {
      await browser.close();
    }
  });
});
