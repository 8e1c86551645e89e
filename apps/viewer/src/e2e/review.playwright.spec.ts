import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planCohort, renderPlannedView } from '@ropline/phantom';
import { decodeImageBytes } from '@ropline/preprocess';
import { makeOpInstance, makeTempDir, newStudyUid, stow, waitFor } from '../testing/review.fixtures.js';
import { CHROMIUM, hasChromium, launchChromium } from '../testing/chromium.js';
import { startReviewStack, testTokens, TOKENS, type ReviewStack } from '../testing/review.stack.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const WEB = path.resolve(here, '../../web');
const ARTIFACTS = path.resolve(here, '../../test-artifacts');

const available = hasChromium();
if (!available) console.warn(`[review e2e] SKIPPED: ${CHROMIUM} not found (apt-get install chromium)`);

describe.skipIf(!available)('review SPA in Chromium (gateway + embedded Postgres + demo pipeline)', () => {
  let stack: ReviewStack;
  let tmp: Awaited<ReturnType<typeof makeTempDir>>;
  let browser: Browser;
  let page: Page;
  let url = '';
  const requested: string[] = [];
  const study = newStudyUid();
  // Phantom views of a stage-2 infant (tools/phantom): the ridge is there for the demo model to find.
  const plans = planCohort(1, 6).filter((p) => p.infantIndex === 4);
  const view = (eye: 'OD' | 'OS', v: 'temporal' | 'superior') =>
    renderPlannedView(
      1,
      plans.find((p) => p.eye === eye)!,
      v,
      0,
      [480, 360],
    ).image;
  const insts = [
    makeOpInstance(study, { laterality: 'R', image: view('OD', 'temporal') }),
    makeOpInstance(study, { laterality: 'R', image: view('OD', 'superior') }),
    makeOpInstance(study, { laterality: 'L', image: view('OS', 'temporal') }),
    makeOpInstance(study, { laterality: 'L', image: view('OS', 'superior') }),
  ];
  const shot = (name: string) =>
    page.screenshot({ path: path.join(ARTIFACTS, `review-${name}.png`), fullPage: true });

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    tmp = await makeTempDir('review-e2e-web');
    // A fresh build of the SPA from the sources under test (not whatever web/dist holds).
    await build({
      configFile: path.join(WEB, 'vite.config.ts'),
      logLevel: 'warn',
      build: { outDir: path.join(tmp.dir, 'dist') },
    });
    stack = await startReviewStack('review-e2e');
    expect(
      await stow(
        stack.gw.url,
        insts.map((i) => i.bytes),
      ),
    ).toBe(200);
    await waitFor(
      async () =>
        (await stack.gw.db.prisma.analysis.count({ where: { status: 'done' } })) ? true : undefined,
      'the analysis of the sent study',
    );
    url = (await stack.startReview({ tokens: testTokens(), webRoot: path.join(tmp.dir, 'dist') })).url;
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on('request', (r) => requested.push(r.url()));
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
    await tmp?.remove();
  });

  it('sign in, worklist, study, overlay modes, stage correction stored, keyboard reach', async () => {
    // Sign-in: tokens are configured, so the app asks for one.
    await page.goto(url);
    await page.getByLabel('Access token').waitFor();
    await shot('1-sign-in');
    await page.getByLabel('Access token').fill('wrong-token-wrong-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/not known/);
    await page.getByLabel('Access token').fill(TOKENS.clinician);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByTestId('who').textContent()).toBe('Signed in as dr-ada');

    // Worklist: the study is there, analysed, and opens with the keyboard (Enter on its link).
    const link = page.getByRole('link', { name: `Study …${study.slice(-8)}` });
    await link.waitFor();
    const row = page.getByTestId('worklist-row').filter({ has: link });
    expect(await row.textContent()).toMatch(/analysed/);
    await shot('2-worklist');
    await link.focus();
    await page.keyboard.press('Enter');
    const studyId = (await stack.gw.db.prisma.study.findUniqueOrThrow({ where: { studyInstanceUid: study } }))
      .id;
    await expect.poll(() => page.url()).toBe(`${url}/#/studies/${studyId}`);

    // Study page: eyes, the first image on a canvas with its mask loaded, 4 thumbnails.
    await page.getByTestId('eye-R').waitFor();
    await expect.poll(() => page.getByTestId('image-button').count()).toBe(4);
    const canvas = page.getByTestId('image-canvas');
    await expect.poll(() => canvas.getAttribute('data-mask-loaded')).toBe('yes');
    await expect.poll(() => page.locator('.thumb img').count()).toBeGreaterThanOrEqual(4);
    const pixels = () =>
      canvas.evaluate((c) => (c as unknown as { toDataURL(type: string): string }).toDataURL('image/png'));
    const decodePixels = (dataUrl: string) => decodeImageBytes(Buffer.from(dataUrl.split(',')[1], 'base64'));

    // Overlay: outline (default) -> fill -> off; the canvas changes where the mask has pixels.
    const first = await stack.gw.db.prisma.prediction.findFirstOrThrow({
      where: { instance: { sopInstanceUid: insts[0].sopInstanceUid } },
    });
    const mask = decodeImageBytes(await stack.gw.blobs.get(first.maskSha256!));
    const maskPixels = mask.data.reduce((n, v) => n + (v > 127 ? 1 : 0), 0);
    // The model's line polygons come back in image pixel coordinates: on (or next to) the mask.
    const api = await fetch(`${url}/api/review/studies/${studyId}`, {
      headers: { authorization: `Bearer ${TOKENS.clinician}` },
    });
    const modelLines = (
      (await api.json()) as { analysis: { images: { modelLines: [number, number][][] }[] } }
    ).analysis.images[0].modelLines;
    if (maskPixels > 0) {
      const pts = modelLines.flat();
      expect(pts.length).toBeGreaterThan(2);
      const nearMask = ([x, y]: [number, number]) => {
        for (let dy = -3; dy <= 3; dy++)
          for (let dx = -3; dx <= 3; dx++) {
            const xx = Math.round(x) + dx;
            const yy = Math.round(y) + dy;
            if (
              xx >= 0 &&
              yy >= 0 &&
              xx < mask.width &&
              yy < mask.height &&
              mask.data[yy * mask.width + xx] > 127
            )
              return true;
          }
        return false;
      };
      expect(pts.filter(nearMask).length / pts.length).toBeGreaterThan(0.8);
    }
    expect(await canvas.getAttribute('data-overlay')).toBe('outline');
    await shot('3-study-outline');
    const outline = await pixels();
    await page.getByRole('radio', { name: 'Fill' }).check();
    await expect.poll(() => canvas.getAttribute('data-overlay')).toBe('fill');
    await shot('4-study-fill');
    const fill = await pixels();
    await page.getByRole('radio', { name: 'Off' }).check();
    await expect.poll(() => canvas.getAttribute('data-overlay')).toBe('off');
    await shot('5-study-off');
    const off = await pixels();
    const img = decodePixels(off);
    expect([img.width, img.height]).toEqual([480, 360]);
    if (maskPixels > 0) {
      expect(fill).not.toBe(off);
      expect(outline).not.toBe(off);
      // Fill paints sky blue (#56B4E9 at 45%) over the image: more changed pixels than the outline.
      const changed = (a: string) => {
        const x = decodePixels(a).data;
        let n = 0;
        for (let i = 0; i < x.length; i++) if (x[i] !== img.data[i]) n++;
        return n;
      };
      expect(changed(fill)).toBeGreaterThan(changed(outline));
    } else {
      console.warn('[review e2e] the demo model found no line on this phantom: overlay pixels not compared');
      expect(fill).toBe(off);
    }

    // Keyboard: Tab from the top of the page reaches the right eye's stage control.
    // Page-side code as strings: this spec is type-checked without the DOM lib.
    await page.evaluate('document.activeElement && document.activeElement.blur()');
    let reached = false;
    for (let i = 0; i < 40 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate(
        "document.activeElement && document.activeElement.getAttribute('data-testid') === 'eye-R-stage'",
      );
    }
    expect(reached).toBe(true);

    // Correct the right eye's stage (a class other than the model's), with the keyboard.
    const eyeR = await stack.gw.db.prisma.eyeResult.findFirstOrThrow({
      where: { laterality: 'R', analysis: { study: { id: studyId } } },
    });
    const classes = Object.keys(first.probabilities as object);
    const corrected = classes.find((c) => c !== eyeR.stage)!;
    const before = new Date();
    await page.getByTestId('eye-R-stage').selectOption(corrected);
    await page.getByTestId('eye-R').getByRole('button', { name: 'Save correction' }).click();
    await expect
      .poll(() => page.getByTestId('notice').textContent())
      .toMatch(/Saved stage label \(eye\) as dr-ada/);
    await expect.poll(() => page.getByTestId('eye-R-confirmed').textContent()).toMatch(/dr-ada/);
    await shot('6-after-correction');
    const labels = await stack.gw.db.prisma.confirmedLabel.findMany({
      where: { studyInstanceUid: study, kind: 'stage' },
    });
    expect(labels).toHaveLength(1);
    expect(labels[0]).toMatchObject({
      scope: 'eye',
      kind: 'stage',
      laterality: 'R',
      stage: corrected,
      actor: 'dr-ada',
      agreesWithModel: false,
    });
    expect(labels[0].at.getTime()).toBeGreaterThanOrEqual(before.getTime() - 1000);
    expect(labels[0].at.getTime()).toBeLessThanOrEqual(Date.now());
    expect(await page.getByTestId('history').textContent()).toMatch(/dr-ada/);

    // Edit the demarcation line of image 1: clear, click two points (one undone), save.
    await page.getByRole('button', { name: 'Edit line' }).click();
    await page.getByRole('button', { name: 'Clear' }).click();
    const box = (await canvas.boundingBox())!;
    const at = (fx: number, fy: number) => page.mouse.click(box.x + fx * box.width, box.y + fy * box.height);
    await at(0.25, 0.5);
    await at(0.9, 0.9);
    await page.getByRole('button', { name: 'Undo point' }).click();
    await at(0.75, 0.25);
    await page.getByRole('button', { name: 'Save line' }).click();
    await expect.poll(() => page.getByTestId('notice').textContent()).toMatch(/Saved line label \(image\)/);
    await shot('7-after-line');
    const line = await stack.gw.db.prisma.confirmedLabel.findFirstOrThrow({
      where: { studyInstanceUid: study, kind: 'line' },
    });
    const first0 = await stack.gw.db.prisma.instance.findUniqueOrThrow({
      where: { sopInstanceUid: insts[0].sopInstanceUid },
    });
    expect(line).toMatchObject({ scope: 'image', instanceId: first0.id, laterality: 'R', actor: 'dr-ada' });
    const pts = (line.line as [number, number][][])[0];
    expect(pts).toHaveLength(2);
    // Image pixel coordinates (480 x 360 image; pixel centres at integers).
    expect(pts[0][0]).toBeCloseTo(0.25 * 480 - 0.5, -0.5);
    expect(pts[0][1]).toBeCloseTo(0.5 * 360 - 0.5, -0.5);
    expect(pts[1][0]).toBeCloseTo(0.75 * 480 - 0.5, -0.5);
    expect(pts[1][1]).toBeCloseTo(0.25 * 360 - 0.5, -0.5);

    // No DICOM UID ever appears in a URL the SPA used (internal UUIDs only).
    for (const u of [page.url(), ...requested]) {
      expect(u).not.toContain(study);
      for (const i of insts) expect(u).not.toContain(i.sopInstanceUid);
    }
  });
  it('skips sign-in when the server has no tokens (loopback dev)', async () => {
    const open = await stack.startReview({ webRoot: path.join(tmp.dir, 'dist') });
    const p = await browser.newPage();
    try {
      await p.goto(open.url);
      await expect.poll(() => p.getByTestId('who').textContent()).toBe('Signed in as anonymous-loopback');
      expect(await p.getByLabel('Access token').count()).toBe(0);
      expect(await p.getByRole('button', { name: 'Sign out' }).count()).toBe(0);
      await p.getByRole('link', { name: `Study …${study.slice(-8)}` }).waitFor();
    } finally {
      await p.close();
    }
  });
});
