/**
 * Calibration of the phantoms against the real HVDROPDB ridge images (RetCam / Neo, 512x512, CC BY 4.0):
 * line pixel fraction, line width (mask area / skeleton length) and colour statistics inside the
 * field of view, all at 512x512. Prints a Markdown table; with --montage PATH also writes a 2x4
 * picture (top: real, bottom: phantom) at 256x256 per tile.
 *
 *   npx tsx tools/phantom/src/calibrate.ts [--infants 6] [--seed 1] [--difficulty 0.3] [--montage docs/phantoms/real-vs-phantom.png]
 */
import { existsSync, readdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Image8 } from '@ropline/core';
import { encodePng, readImageFile } from '@ropline/preprocess';
import { VIEWS } from './eye.model.js';
import { binaryMask, colourStats, lineMetrics, resizeImage } from './mask-metrics.js';
import { planCohort, renderPlannedView } from './phantom.generator.js';

const S = 512;

export interface Sample {
  name: string;
  image: Image8;
  fraction: number;
  width: number;
  mean: [number, number, number];
  std: [number, number, number];
}

function measure(name: string, image: Image8, mask: Image8, channel: number): Sample {
  const bin = binaryMask(mask, channel);
  const lm = lineMetrics(bin, mask.width, mask.height);
  const cs = colourStats(image);
  return { name, image, fraction: lm.fraction, width: lm.width, mean: cs.mean, std: cs.std };
}

export async function realSamples(dir: string): Promise<Sample[]> {
  const files = readdirSync(path.join(dir, 'images'))
    .filter((f) => f.endsWith('.png'))
    .sort();
  const out: Sample[] = [];
  for (const f of files) {
    const image = await readImageFile(path.join(dir, 'images', f));
    const mask = await readImageFile(path.join(dir, 'masks', f));
    out.push(measure(f, resizeImage(image, S, S), resizeImage(mask, S, S), 1));
  }
  return out;
}

export function phantomSamples(seed: number, infants: number, difficulty: number): Sample[] {
  const out: Sample[] = [];
  for (const plan of planCohort(seed, infants)) {
    if (plan.stage === 0) continue;
    for (const view of VIEWS) {
      // Render at a reduced device size (same aspect) for speed; both end at 512x512 like HVDROPDB.
      const scale = Math.min(1, 800 / plan.device.width);
      const size: [number, number] = [
        Math.round(plan.device.width * scale),
        Math.round(plan.device.height * scale),
      ];
      const r = renderPlannedView(seed, plan, view, difficulty, size);
      if (!r.linePixels) continue;
      // HVDROPDB frames are cropped to the aperture's bounding box, then resized to 512x512.
      const { cx, cy, radius } = r.fov;
      const box = {
        x0: Math.max(0, Math.floor(cx - radius)),
        y0: Math.max(0, Math.floor(cy - radius)),
        x1: Math.min(size[0], Math.ceil(cx + radius)),
        y1: Math.min(size[1], Math.ceil(cy + radius)),
      };
      const name = `${plan.infant}_${plan.eye}_${view} s${plan.stage}`;
      out.push(measure(name, resizeImage(crop(r.image, box), S, S), resizeImage(crop(r.mask, box), S, S), 0));
    }
  }
  return out;
}

function crop(img: Image8, b: { x0: number; y0: number; x1: number; y1: number }): Image8 {
  const w = b.x1 - b.x0;
  const h = b.y1 - b.y0;
  const c = img.channels;
  const data = new Uint8Array(w * h * c);
  for (let y = 0; y < h; y++) {
    const s = ((b.y0 + y) * img.width + b.x0) * c;
    data.set(img.data.subarray(s, s + w * c), y * w * c);
  }
  return { data, width: w, height: h, channels: c };
}

const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const sd = (xs: number[]) => Math.sqrt(avg(xs.map((x) => (x - avg(xs)) ** 2)));
const fmt = (xs: number[], d = 1) => `${avg(xs).toFixed(d)} ± ${sd(xs).toFixed(d)}`;

export function calibrationTable(real: Sample[], phantom: Sample[]): string {
  const rows: [string, (s: Sample) => number, number][] = [
    ['line pixel fraction (%)', (s) => s.fraction * 100, 2],
    ['line width (px, area / skeleton length)', (s) => s.width, 1],
    ['mean R in FOV', (s) => s.mean[0], 0],
    ['mean G in FOV', (s) => s.mean[1], 0],
    ['mean B in FOV', (s) => s.mean[2], 0],
    ['std R in FOV', (s) => s.std[0], 1],
    ['std G in FOV', (s) => s.std[1], 1],
    ['std B in FOV', (s) => s.std[2], 1],
  ];
  const lines = [
    `| metric at 512x512 (mean ± sd over images) | real HVDROPDB (n=${real.length}) | phantom with a line (n=${phantom.length}) |`,
    '|---|---|---|',
    ...rows.map(([name, f, d]) => `| ${name} | ${fmt(real.map(f), d)} | ${fmt(phantom.map(f), d)} |`),
  ];
  return lines.join('\n');
}

function montage(tiles: Image8[], cols: number, tile: number): Image8 {
  const rows = Math.ceil(tiles.length / cols);
  const W = cols * tile;
  const data = new Uint8Array(W * rows * tile * 3);
  tiles.forEach((t, k) => {
    const small = resizeImage(t, tile, tile);
    const ox = (k % cols) * tile;
    const oy = Math.floor(k / cols) * tile;
    for (let y = 0; y < tile; y++)
      data.set(small.data.subarray(y * tile * 3, (y + 1) * tile * 3), ((oy + y) * W + ox) * 3);
  });
  return { data, width: W, height: rows * tile, channels: 3 };
}

async function main(argv: string[]): Promise<void> {
  const arg = (name: string, dflt: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : dflt;
  };
  const here = path.dirname(fileURLToPath(import.meta.url));
  const dir = arg('--real', path.resolve(here, '../../../../shared/data/hvdropdb-ridge'));
  if (!existsSync(path.join(dir, 'images'))) {
    console.warn(`calibrate: ${dir} not found; nothing to compare against`);
    return;
  }
  const real = await realSamples(dir);
  const phantom = phantomSamples(
    Number(arg('--seed', '1')),
    Number(arg('--infants', '6')),
    Number(arg('--difficulty', '0.3')),
  );
  console.log(calibrationTable(real, phantom));
  const out = arg('--montage', '');
  if (out) {
    // Top row: real frames (HVDROPDB, CC BY 4.0); bottom row: phantoms of stages 1, 2, 3 where present.
    const pick: Sample[] = [];
    for (const st of [1, 2, 3, 3, 2, 1]) {
      const s = phantom.find((p) => p.name.endsWith(`s${st}`) && !pick.includes(p));
      if (s && pick.length < 4) pick.push(s);
    }
    for (const p of phantom) if (pick.length < 4 && !pick.includes(p)) pick.push(p);
    const realPick = [real[0], real[4], real[6], real[9]].filter(Boolean);
    await writeFile(
      out,
      encodePng(montage([...realPick.map((s) => s.image), ...pick.map((s) => s.image)], 4, 256)),
    );
    console.log(
      `\nmontage: ${out} (top: ${realPick.map((s) => s.name).join(', ')}; bottom: ${pick.map((s) => s.name).join(', ')})`,
    );
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  await main(process.argv.slice(2));
}
