import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { mulberry32, type Image8 } from '@ropline/core';
import { encodePng } from '@ropline/preprocess';

const created: string[] = [];

export async function tempDir(prefix = 'rop-ds-'): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  created.push(dir);
  return dir;
}

/** Removes every folder `tempDir` made (call from afterAll). */
export async function removeTempDirs(): Promise<void> {
  await Promise.all(created.splice(0).map((d) => rm(d, { recursive: true, force: true })));
}

/** A small RGB test image with a seeded texture. */
export function rgbImage(width: number, height: number, seed: number): Image8 {
  const rnd = mulberry32(seed);
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = Math.floor(rnd() * 256);
  return { data, width, height, channels: 3 };
}

/** An RGB mask image: `color` on the pixels where `on(x, y)`. */
export function colorMask(
  width: number,
  height: number,
  color: [number, number, number],
  on: (x: number, y: number) => boolean,
): Image8 {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) if (on(x, y)) data.set(color, (y * width + x) * 3);
  return { data, width, height, channels: 3 };
}

export async function writeImage(file: string, img: Image8): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, encodePng(img));
}

export interface PhantomRow {
  infant: string;
  eye: string;
  view: string;
  stage: string;
  file: string;
  mask: string;
}

/**
 * A tiny directory in the `rop phantoms` format: images/, masks/ (0/255, a horizontal line for
 * stage > 0), manifest.csv. `rows` lets a test add bad rows.
 */
export async function makePhantomDir(
  dir: string,
  infants: number,
  stageOf: (infant: number, eye: number) => number,
  opts: { views?: string[]; size?: [number, number]; extraRows?: PhantomRow[] } = {},
): Promise<PhantomRow[]> {
  const views = opts.views ?? ['posterior', 'temporal'];
  const [w, h] = opts.size ?? [32, 24];
  const rows: PhantomRow[] = [];
  let seed = 1;
  for (let i = 0; i < infants; i++) {
    for (const [e, eye] of ['OD', 'OS'].entries()) {
      const stage = stageOf(i, e);
      for (const view of views) {
        const stem = `inf${String(i).padStart(3, '0')}_${eye}_${view}`;
        const file = `images/${stem}.png`;
        await writeImage(path.join(dir, file), rgbImage(w, h, seed++));
        let mask = '';
        if (stage > 0) {
          mask = `masks/${stem}.png`;
          const m = new Uint8Array(w * h);
          // Line thickness grows with stage, in the middle rows (away from the crop margin).
          for (let y = Math.floor(h / 2); y < Math.floor(h / 2) + stage; y++)
            for (let x = 4; x < w - 4; x++) m[y * w + x] = 255;
          await writeImage(path.join(dir, mask), { data: m, width: w, height: h, channels: 1 });
        }
        rows.push({ infant: `inf${i}`, eye, view, stage: String(stage), file, mask });
      }
    }
  }
  rows.push(...(opts.extraRows ?? []));
  const header = 'infant,eye,view,stage,true_stage,device,width,height,file,mask';
  const lines = rows.map((r) =>
    [r.infant, r.eye, r.view, r.stage, r.stage, 'RetCam3', w, h, r.file, r.mask].join(','),
  );
  await writeFile(path.join(dir, 'manifest.csv'), [header, ...lines].join('\n') + '\n');
  return rows;
}
