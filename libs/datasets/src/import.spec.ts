import { existsSync } from 'node:fs';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeImageBytes } from '@ropline/preprocess';
import { readDataset, verifyDataset } from './dataset-io.js';
import { importMasks } from './import-masks.js';
import { importPhantoms } from './import-phantoms.js';
import { importVia } from './import-via.js';
import {
  colorMask,
  makePhantomDir,
  rgbImage,
  tempDir,
  writeImage,
  removeTempDirs,
} from './fixtures.spec-util.js';

afterAll(removeTempDirs);

async function maskOf(dir: string, rel: string) {
  return decodeImageBytes(await readFile(path.join(dir, rel)));
}

function inside(px: number, py: number, xs: number[], ys: number[]): boolean {
  let c = false;
  for (let i = 0, j = xs.length - 1; i < xs.length; j = i++) {
    if (ys[i] > py !== ys[j] > py && px < ((xs[j] - xs[i]) * (py - ys[i])) / (ys[j] - ys[i]) + xs[i]) c = !c;
  }
  return c;
}

const W = 40;
const H = 30;
const POLY = { name: 'polygon', all_points_x: [5.2, 30.7, 22.1, 8.3], all_points_y: [4.1, 6.3, 25.2, 20.9] };

async function viaFixture() {
  const root = await tempDir();
  const images = path.join(root, 'images');
  for (const [k, f] of [
    'a.png',
    'b.png',
    'c.png',
    'd.png',
    'e.png',
    'f.png',
    'g.png',
    'h.png',
    'extra.png',
  ].entries())
    await writeImage(path.join(images, f), rgbImage(W, H, k + 1));
  await writeFile(path.join(images, 'broken.png'), 'not an image at all');
  const region = (shape: object, stage?: string) => ({
    shape_attributes: shape,
    region_attributes: stage === undefined ? {} : { stage },
  });
  const entries = {
    a: { filename: 'a.png', regions: [region(POLY, '2')] },
    b: { filename: 'b.png', regions: [region({ name: 'rect', x: 3, y: 4, width: 10, height: 6 }, '1')] },
    c: {
      filename: 'c.png',
      regions: [region({ name: 'rect', x: 30, y: 20, width: 20, height: 20 }, 'stage 3')],
    },
    d: {
      filename: 'd.png',
      regions: [
        region({ name: 'polygon', all_points_x: [100, 120, 110], all_points_y: [100, 100, 120] }, '2'),
      ],
    },
    e: { filename: 'e.png', regions: [region(POLY, 'plus')] },
    f: { filename: 'f.png', regions: [region(POLY)] },
    g: { filename: 'g.png', regions: [] },
    h: {
      filename: 'h.png',
      regions: [region(POLY, '1'), region({ name: 'rect', x: 0, y: 0, width: 3, height: 3 }, '3')],
    },
    missing: { filename: 'missing.png', regions: [region(POLY, '1')] },
    broken: { filename: 'broken.png', regions: [region(POLY, '1')] },
  };
  const via = path.join(root, 'project.json');
  const project = {
    _via_settings: {},
    _via_img_metadata: Object.fromEntries(
      Object.values(entries).map((e) => [`${e.filename}123`, { ...e, size: 123, file_attributes: {} }]),
    ),
  };
  await writeFile(via, JSON.stringify(project));
  return { root, images, via };
}

describe('import-via', () => {
  it('rasterises polygons and rectangles, stages from the region attribute, reports every skip', async () => {
    const { root, images, via } = await viaFixture();
    const out = path.join(root, 'ds');
    const r = await importVia({ images, via, out, groupBy: '^([a-z])' });
    expect(r.manifest).not.toBeNull();
    const ds = await readDataset(out);
    const byId = new Map(ds.items.map((i) => [i.id, i]));
    expect([...byId.keys()].sort()).toEqual(['a', 'b', 'c', 'h']);
    expect(byId.get('a')?.stage).toBe(2);
    expect(byId.get('b')?.stage).toBe(1);
    expect(byId.get('c')?.stage).toBe(3);
    expect(byId.get('h')?.stage).toBe(3); // most severe of 1 and 3
    // Polygon: every mask pixel is on iff its centre is inside.
    const a = await maskOf(out, byId.get('a')!.mask);
    expect(a.channels).toBe(1);
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++)
        expect(a.data[y * W + x]).toBe(
          inside(x + 0.5, y + 0.5, POLY.all_points_x, POLY.all_points_y) ? 255 : 0,
        );
    // Rectangle: exact.
    const b = await maskOf(out, byId.get('b')!.mask);
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++)
        expect(b.data[y * W + x]).toBe(x >= 3 && x < 13 && y >= 4 && y < 10 ? 255 : 0);
    // Clipped rectangle: only the inside part.
    const c = await maskOf(out, byId.get('c')!.mask);
    expect(c.data.filter((v) => v).length).toBe(10 * 10);
    // Image bytes are kept as they were.
    expect(await readFile(path.join(out, byId.get('a')!.image))).toEqual(
      await readFile(path.join(images, 'a.png')),
    );
    const reasons = Object.fromEntries(r.skipped.map((s) => [s.file, s.reason]));
    expect(reasons['d.png']).toMatch(/outside the image/);
    expect(reasons['e.png']).toMatch(/unknown stage label 'plus'/);
    expect(reasons['f.png']).toMatch(/no stage label/);
    expect(reasons['g.png']).toMatch(/no regions/);
    expect(reasons['missing.png']).toMatch(/not found/);
    expect(reasons['broken.png']).toMatch(/unreadable image/);
    expect(reasons['extra.png']).toMatch(/not in the VIA/);
    expect(r.warnings.some((w) => w.file === 'c.png' && /clipped/.test(w.reason))).toBe(true);
    expect(ds.manifest.skipped).toEqual(r.skipped);
    expect(ds.manifest.counts.byStage).toEqual({ '1': 1, '2': 1, '3': 2 });
    expect(ds.manifest.task).toBe('classification+segmentation');
    expect(ds.items.map((i) => i.infant).sort()).toEqual(['a', 'b', 'c', 'h']);
    expect((await verifyDataset(out)).ok).toBe(true);
  });

  it('imports unannotated images as stage 0 on request', async () => {
    const { root, images, via } = await viaFixture();
    const r = await importVia({ images, via, out: path.join(root, 'ds0'), unannotated: 'stage0' });
    expect(r.manifest?.counts.byStage['0']).toBe(1);
  });

  it('writes nothing and reports everything when nothing can be imported', async () => {
    const root = await tempDir();
    const via = path.join(root, 'v.json');
    await writeFile(via, JSON.stringify({ x: { filename: 'nope.png', regions: [] } }));
    await mkdir(path.join(root, 'img'));
    const out = path.join(root, 'ds');
    const r = await importVia({ images: path.join(root, 'img'), via, out });
    expect(r.manifest).toBeNull();
    expect(r.skipped).toEqual([{ file: 'nope.png', reason: expect.stringMatching(/not found/) }]);
    expect(existsSync(out)).toBe(false);
  });
});

describe('import-masks', () => {
  async function fixture() {
    const root = await tempDir();
    const images = path.join(root, 'images');
    const masks = path.join(root, 'masks');
    const band = (x: number, y: number) => y >= 10 && y < 13 && x >= 5 && x < 35;
    for (let k = 0; k < 4; k++) await writeImage(path.join(images, `eye_${k}.png`), rgbImage(W, H, k));
    await writeImage(path.join(masks, 'eye_0.png'), colorMask(W, H, [0, 255, 255], band)); // cyan
    await writeImage(path.join(masks, 'eye_1.png'), colorMask(W, H, [255, 255, 0], band)); // yellow
    await writeImage(path.join(masks, 'eye_2.png'), colorMask(W, H, [200, 0, 0], band)); // red
    // eye_3: a faint mask, green 128 on the band and 127 elsewhere in its rows.
    const faint = colorMask(W, H, [0, 128, 0], band);
    for (let x = 0; x < 5; x++) faint.data[(10 * W + x) * 3 + 1] = 127;
    await writeImage(path.join(masks, 'eye_3.png'), faint);
    await writeImage(path.join(masks, 'orphan.png'), colorMask(W, H, [255, 255, 255], band));
    return { root, images, masks, band };
  }

  it('thresholds any colour on the chosen channel', async () => {
    const { root, images, masks, band } = await fixture();
    const r = await importMasks({ images, masks, out: path.join(root, 'max') });
    expect(r.imported).toBe(4);
    const ds = await readDataset(path.join(root, 'max'));
    for (const it of ds.items) {
      const m = await maskOf(ds.dir, it.mask);
      for (let y = 0; y < H; y++)
        for (let x = 0; x < W; x++) expect(m.data[y * W + x]).toBe(band(x, y) ? 255 : 0);
    }
    expect(ds.manifest.task).toBe('segmentation');
    expect(ds.items.every((i) => i.stage === null)).toBe(true);
    expect(r.skipped).toEqual([{ file: 'orphan.png', reason: 'mask without an image' }]);

    const g = await importMasks({ images, masks, out: path.join(root, 'g'), channel: 'g', threshold: 127 });
    expect(g.imported).toBe(3); // red has no green
    expect(g.skipped.find((s) => s.file === 'eye_2.png')?.reason).toMatch(/empty mask.*channel g > 127/);
    const hi = await importMasks({ images, masks, out: path.join(root, 'hi'), channel: 'g', threshold: 128 });
    expect(hi.skipped.map((s) => s.file).sort()).toEqual(['eye_2.png', 'eye_3.png', 'orphan.png']);
    const keep = await importMasks({
      images,
      masks,
      out: path.join(root, 'keep'),
      channel: 'b',
      allowEmpty: true,
    });
    expect(keep.imported).toBe(4);
  });

  it('takes stages from --stage or a CSV and reports unknown labels and mismatched masks', async () => {
    const { root, images, masks } = await fixture();
    await writeImage(path.join(images, 'small.png'), rgbImage(10, 10, 9));
    await writeImage(path.join(masks, 'small.png'), rgbImage(12, 10, 9));
    const csv = path.join(root, 'stages.csv');
    await writeFile(csv, 'file,stage\neye_0.png,1\neye_1,stage 3\neye_2.png,5\nsmall.png,2\n');
    const r = await importMasks({ images, masks, out: path.join(root, 'st'), stages: csv });
    const reasons = Object.fromEntries(r.skipped.map((s) => [s.file, s.reason]));
    expect(reasons['eye_2.png']).toMatch(/unknown stage label '5'/);
    expect(reasons['eye_3.png']).toMatch(/no stage/);
    expect(reasons['small.png']).toMatch(/differs from image/);
    expect(r.manifest?.counts.byStage).toEqual({ '1': 1, '3': 1 });
    const one = await importMasks({ images, masks, out: path.join(root, 'one'), stage: 0 });
    expect(one.imported).toBe(0);
    expect(one.skipped.find((s) => s.file === 'eye_0.png')?.reason).toMatch(/stage 0 .* line pixels/);
  });
});

describe('import-phantoms', () => {
  it('imports a phantom-format folder grouped by infant and reports bad rows', async () => {
    const root = await tempDir();
    const from = path.join(root, 'ph');
    await makePhantomDir(from, 3, (i, e) => (i + e) % 3, {
      extraRows: [
        {
          infant: 'inf9',
          eye: 'OD',
          view: 'nasal',
          stage: '2',
          file: 'images/gone.png',
          mask: 'masks/gone.png',
        },
        {
          infant: 'inf9',
          eye: 'OD',
          view: 'nasal',
          stage: '7',
          file: 'images/inf000_OD_posterior.png',
          mask: '',
        },
      ],
    });
    // A stage-2 view whose mask is empty: the line is not in view.
    const empty = new Uint8Array(32 * 24);
    await writeImage(path.join(from, 'images/nol.png'), rgbImage(32, 24, 77));
    await writeImage(path.join(from, 'masks/nol.png'), { data: empty, width: 32, height: 24, channels: 1 });
    await writeFile(
      path.join(from, 'manifest.csv'),
      (await readFile(path.join(from, 'manifest.csv'), 'utf8')) +
        'inf9,OS,nasal,2,2,RetCam3,32,24,images/nol.png,masks/nol.png\n' +
        // Label noise: labelled 1, truly 0, no line. Kept with its (noisy) label.
        'inf9,OS,superior,1,0,RetCam3,32,24,images/nol.png,\n',
    );
    const out = path.join(root, 'ds');
    const r = await importPhantoms({ from, out });
    expect(r.imported).toBe(13);
    const reasons = r.skipped.map((s) => `${s.file}: ${s.reason}`);
    expect(reasons).toEqual([
      'images/gone.png: image file not found',
      "images/inf000_OD_posterior.png: unknown stage label '7'",
      expect.stringMatching(/^images\/nol.png: stage 2 but the mask is empty/),
    ]);
    const ds = await readDataset(out);
    expect(new Set(ds.items.map((i) => i.infant))).toEqual(new Set(['inf0', 'inf1', 'inf2', 'inf9']));
    const it = ds.items.find((i) => i.id === 'inf001_OS_temporal')!;
    expect(it).toMatchObject({ eye: 'OS', view: 'temporal', stage: 2 });
    const s0 = ds.items.find((i) => i.stage === 0)!;
    expect((await maskOf(out, s0.mask)).data.every((v) => v === 0)).toBe(true);
    const kept = await importPhantoms({ from, out: path.join(root, 'ds2'), allowEmpty: true });
    expect(kept.imported).toBe(14);
    expect(ds.items.find((i) => i.view === 'superior')?.stage).toBe(1);
  });
});

describe('content hash', () => {
  it('is stable for the same content and changes with one pixel', async () => {
    const root = await tempDir();
    const from = path.join(root, 'ph');
    await makePhantomDir(from, 2, () => 1);
    const a = await importPhantoms({ from, out: path.join(root, 'a'), name: 'first' });
    await new Promise((res) => setTimeout(res, 5));
    const b = await importPhantoms({ from, out: path.join(root, 'b'), name: 'second' });
    expect(a.manifest!.createdAt).not.toBe(b.manifest!.createdAt);
    expect(a.manifest!.hash).toBe(b.manifest!.hash);
    const file = path.join(from, 'images/inf000_OD_posterior.png');
    const img = decodeImageBytes(await readFile(file));
    img.data[0] ^= 1;
    await writeImage(file, img);
    const c = await importPhantoms({ from, out: path.join(root, 'c') });
    expect(c.manifest!.hash).not.toBe(a.manifest!.hash);
    // Tampering with a file after the fact is caught by verify.
    await writeFile(path.join(root, 'a', 'images/inf000_OD_posterior.png'), await readFile(file));
    const v = await verifyDataset(path.join(root, 'a'));
    expect(v.ok).toBe(false);
  });

  it('refuses to overwrite a dataset without force, and replaces it atomically with force', async () => {
    const root = await tempDir();
    const from = path.join(root, 'ph');
    await makePhantomDir(from, 1, () => 1);
    const out = path.join(root, 'ds');
    await importPhantoms({ from, out });
    await expect(importPhantoms({ from, out })).rejects.toThrow(/already holds a dataset/);
    await importPhantoms({ from, out, force: true });
    const { readdir } = await import('node:fs/promises');
    expect((await readdir(root)).sort()).toEqual(['ds', 'ph']); // no staging leftovers
  });
});

const HVD = fileURLToPath(new URL('../../../../shared/data/hvdropdb-ridge', import.meta.url));

describe('hvdropdb-ridge (real data)', () => {
  it.runIf(existsSync(HVD))('imports the 12 real ridge masks, grouped by camera + original id', async () => {
    const out = path.join(await tempDir(), 'hvd');
    const r = await importMasks({
      images: path.join(HVD, 'images'),
      masks: path.join(HVD, 'masks'),
      out,
      channel: 'g',
      threshold: 127,
      groupBy: '(RetCam|Neo)_(\\d+)',
    });
    expect(r.skipped).toEqual([]);
    expect(r.imported).toBe(12);
    const ds = await readDataset(out);
    expect(ds.manifest.task).toBe('segmentation');
    expect(ds.items.find((i) => i.id.endsWith('RetCam_10'))?.infant).toBe('RetCam_10');
    expect(new Set(ds.items.map((i) => i.infant)).size).toBeLessThan(12); // Neo_10 / Neo_12 repeat
    // The README's fact: the ridge covers about 1.7 % of the image.
    let on = 0;
    for (const it of ds.items) on += (await maskOf(out, it.mask)).data.filter((v) => v).length;
    const frac = on / (12 * 512 * 512);
    expect(frac).toBeGreaterThan(0.005);
    expect(frac).toBeLessThan(0.04);
  });
  if (!existsSync(HVD)) console.warn(`hvdropdb-ridge import test skipped: ${HVD} not found`);
});
