import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { RopError, type Image8 } from '@ropline/core';
import { encodePng } from '@ropline/preprocess';
import {
  DEVICES,
  EYES,
  VIEWS,
  buildEyeModel,
  type Device,
  type Eye,
  type Stage,
  type View,
} from './eye.model.js';
import { renderView, type RenderedView } from './fundus.render.js';
import { encodeJpeg422 } from './jpeg422.encoder.js';
import { buildOpDicom } from './op-dicom.js';
import { stream } from './random.util.js';
import { viaImage, viaProject, type ViaImage } from './via.format.js';

export const PHANTOM_INVALID = 'PHANTOM.INVALID_OPTIONS';
export const MANIFEST_HEADER = 'infant,eye,view,stage,true_stage,device,width,height,file,mask';

export interface PhantomOptions {
  out: string;
  infants: number;
  seed: number;
  dicom?: boolean;
  /** 0..1, default 0.3. */
  difficulty?: number;
  /** 0..1 probability that a line's recorded stage is a neighbour of the true one; default 0. */
  labelNoise?: number;
  /** Overrides every device's frame size (tests, quick looks); default: the device's size. */
  size?: [number, number];
  jpegQuality?: number;
  /** Called after each image (done, total). */
  onProgress?: (done: number, total: number, label: string) => void;
}

export interface EyePlan {
  infant: string;
  infantIndex: number;
  eye: Eye;
  stage: Stage;
  device: Device;
  sex: 'M' | 'F';
  birthDate: string;
  studyDate: string;
}

export interface ManifestRow {
  infant: string;
  eye: Eye;
  view: View;
  stage: number;
  true_stage: number;
  device: string;
  width: number;
  height: number;
  file: string;
  mask: string;
}

export interface PhantomSummary {
  rows: ManifestRow[];
  eyes: EyePlan[];
  dicomFiles: string[];
  seconds: number;
}

const STAGE_CDF = [0.3, 0.55, 0.8, 1];

function ymd(d: Date): string {
  return d.toISOString().slice(0, 10).replace(/-/g, '');
}

export function validatePhantomOptions(o: PhantomOptions): void {
  const bad = (msg: string) => {
    throw new RopError(PHANTOM_INVALID, msg);
  };
  if (!Number.isInteger(o.infants) || o.infants < 1 || o.infants > 9999)
    bad('--infants must be an integer 1..9999');
  if (!Number.isInteger(o.seed) || o.seed < 0 || o.seed > 0xffffffff)
    bad('--seed must be an integer 0..4294967295');
  for (const [name, v] of [
    ['--difficulty', o.difficulty],
    ['--label-noise', o.labelNoise],
  ] as const) {
    if (v !== undefined && !(Number.isFinite(v) && v >= 0 && v <= 1)) bad(`${name} must be a number in 0..1`);
  }
  if (o.size && !(o.size[0] >= 64 && o.size[1] >= 64 && o.size[0] <= 4096 && o.size[1] <= 4096))
    bad('--size must be between 64x64 and 4096x4096');
}

/** The cohort: per infant a device and dates, per eye a stage (fellow eyes usually share it). */
export function planCohort(seed: number, infants: number): EyePlan[] {
  const plans: EyePlan[] = [];
  for (let k = 1; k <= infants; k++) {
    const rnd = stream(seed, k, 'infant');
    const device = DEVICES[Math.floor(rnd() * DEVICES.length)];
    const u = rnd();
    const odStage = STAGE_CDF.findIndex((c) => u < c) as Stage;
    let osStage = odStage;
    if (rnd() < 0.25) osStage = Math.max(0, Math.min(3, odStage + (rnd() < 0.5 ? -1 : 1))) as Stage;
    else rnd();
    const sex = rnd() < 0.5 ? 'M' : 'F';
    const study = new Date(Date.UTC(2025, 0, 1) + Math.floor(rnd() * 365) * 86400000);
    const birth = new Date(study.getTime() - Math.floor(28 + rnd() * 42) * 86400000);
    const infant = `inf${String(k).padStart(4, '0')}`;
    for (const eye of EYES) {
      plans.push({
        infant,
        infantIndex: k,
        eye,
        stage: eye === 'OD' ? odStage : osStage,
        device,
        sex,
        birthDate: ymd(birth),
        studyDate: ymd(study),
      });
    }
  }
  return plans;
}

/** The recorded stage after grader disagreement: a line's stage moves to a neighbour (1..3). */
export function noisyStage(trueStage: number, labelNoise: number, rnd: () => number): number {
  const flip = rnd() < labelNoise;
  const up = rnd() < 0.5;
  if (trueStage === 0 || !flip) return trueStage;
  if (trueStage === 1) return 2;
  if (trueStage === 3) return 2;
  return up ? 3 : 1;
}

/** Baseline JPEG, 4:2:2 (what the DICOM header's YBR_FULL_422 promises). */
export function encodeJpeg(img: Image8, quality: number): Uint8Array {
  return encodeJpeg422(img, quality);
}

/** Renders one view of one planned eye (no files). */
export function renderPlannedView(
  seed: number,
  plan: EyePlan,
  view: View,
  difficulty: number,
  size?: [number, number],
): RenderedView {
  const model = buildEyeModel(seed, plan.infantIndex, plan.eye, plan.stage);
  return renderView({
    model,
    view,
    width: size?.[0] ?? plan.device.width,
    height: size?.[1] ?? plan.device.height,
    cast: plan.device.cast,
    difficulty,
    key: [seed, plan.infantIndex, plan.eye, view],
  });
}

function csvRow(r: ManifestRow): string {
  return [r.infant, r.eye, r.view, r.stage, r.true_stage, r.device, r.width, r.height, r.file, r.mask].join(
    ',',
  );
}

/**
 * Writes a phantom cohort under `out`: images/*.jpg, masks/*.png (0/255), annotations.via.json,
 * manifest.csv, phantom.json (parameters and per-eye truth) and, with `dicom`, dicom/<infant>/*.dcm.
 */
export async function generatePhantoms(o: PhantomOptions): Promise<PhantomSummary> {
  validatePhantomOptions(o);
  const t0 = performance.now();
  const difficulty = o.difficulty ?? 0.3;
  const labelNoise = o.labelNoise ?? 0;
  const quality = o.jpegQuality ?? 90;
  await mkdir(path.join(o.out, 'images'), { recursive: true });
  await mkdir(path.join(o.out, 'masks'), { recursive: true });
  const eyes = planCohort(o.seed, o.infants);
  const rows: ManifestRow[] = [];
  const via: ViaImage[] = [];
  const dicomFiles: string[] = [];
  const total = eyes.length * VIEWS.length;
  let done = 0;
  for (const plan of eyes) {
    const model = buildEyeModel(o.seed, plan.infantIndex, plan.eye, plan.stage);
    for (const [viewIndex, view] of VIEWS.entries()) {
      const width = o.size?.[0] ?? plan.device.width;
      const height = o.size?.[1] ?? plan.device.height;
      const r = renderView({
        model,
        view,
        width,
        height,
        cast: plan.device.cast,
        difficulty,
        key: [o.seed, plan.infantIndex, plan.eye, view],
      });
      const trueStage = r.linePixels > 0 ? plan.stage : 0;
      const stage = noisyStage(
        trueStage,
        labelNoise,
        stream(o.seed, plan.infantIndex, plan.eye, view, 'label'),
      );
      const stem = `${plan.infant}_${plan.eye}_${view}`;
      const jpg = encodeJpeg(r.image, quality);
      const file = `images/${stem}.jpg`;
      const mask = `masks/${stem}.png`;
      await writeFile(path.join(o.out, file), jpg);
      await writeFile(path.join(o.out, mask), encodePng(r.mask));
      via.push(viaImage(`${stem}.jpg`, jpg.length, stage, r.polygons));
      rows.push({
        infant: plan.infant,
        eye: plan.eye,
        view,
        stage,
        true_stage: trueStage,
        device: plan.device.id,
        width,
        height,
        file,
        mask,
      });
      if (o.dicom) {
        const dir = path.join(o.out, 'dicom', plan.infant);
        await mkdir(dir, { recursive: true });
        const rel = `dicom/${plan.infant}/${plan.eye}_${viewIndex + 1}_${view}.dcm`;
        const bytes = buildOpDicom({
          seed: o.seed,
          infant: plan.infantIndex,
          eye: plan.eye,
          view,
          viewIndex,
          device: plan.device,
          width,
          height,
          jpeg: jpg,
          studyDate: plan.studyDate,
          birthDate: plan.birthDate,
          sex: plan.sex,
        });
        await writeFile(path.join(o.out, rel), bytes);
        dicomFiles.push(rel);
      }
      o.onProgress?.(++done, total, stem);
    }
  }
  await writeFile(path.join(o.out, 'annotations.via.json'), `${JSON.stringify(viaProject(via))}\n`);
  await writeFile(path.join(o.out, 'manifest.csv'), `${[MANIFEST_HEADER, ...rows.map(csvRow)].join('\n')}\n`);
  const meta = {
    generator: '@ropline/phantom',
    formatVersion: 1,
    seed: o.seed,
    infants: o.infants,
    difficulty,
    labelNoise,
    size: o.size ?? null,
    jpegQuality: quality,
    eyes: eyes.map((e) => ({ infant: e.infant, eye: e.eye, stage: e.stage, device: e.device.id })),
  };
  await writeFile(path.join(o.out, 'phantom.json'), `${JSON.stringify(meta, null, 2)}\n`);
  return { rows, eyes, dicomFiles, seconds: (performance.now() - t0) / 1000 };
}
