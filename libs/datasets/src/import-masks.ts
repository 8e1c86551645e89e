import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { RopError, type Image8 } from '@ropline/core';
import { decodeImageBytes } from '@ropline/preprocess';
import { parseCsvRecords } from './csv.util.js';
import { withStaging } from './dataset-io.js';
import {
  DATASET_INVALID,
  badOption,
  parseStageLabel,
  type SkippedItem,
  type Stage,
} from './dataset.types.js';
import {
  IMAGE_EXTENSIONS,
  compileGroupRegex,
  groupKeyOrStem,
  listImages,
  maskStageProblem,
  reasonOf,
  stemOf,
  thresholdMask,
  type CommonImportOptions,
  finishImport,
  type ImportResult,
  type MaskChannel,
} from './import-common.js';
import { countOn } from './rasterize.util.js';

export interface ImportMasksOptions extends CommonImportOptions {
  images: string;
  masks: string;
  /** Mask channel compared with the threshold (default 'max': any colour). */
  channel?: MaskChannel;
  /** A mask pixel is on when channel > threshold (default 127). */
  threshold?: number;
  groupBy?: string;
  /** One stage for every image. */
  stage?: Stage;
  /** A CSV `file,stage` (file = name or stem) giving each image's stage. */
  stages?: string;
  /** Keep items whose mask is empty (default: skipped, a line is required). */
  allowEmpty?: boolean;
}

async function readStagesCsv(file: string): Promise<Map<string, string>> {
  const { header, records } = parseCsvRecords(await readFile(file, 'utf8'));
  const fileCol = ['file', 'filename', 'image'].find((c) => header.includes(c));
  if (!fileCol || !header.includes('stage'))
    throw new RopError(
      DATASET_INVALID,
      `${file}: expected a CSV with columns file,stage (got ${header.join(',')})`,
    );
  const map = new Map<string, string>();
  for (const r of records) {
    map.set(r[fileCol], r.stage);
    map.set(stemOf(r[fileCol]), r.stage);
  }
  return map;
}

/**
 * `rop dataset import-masks`: images + mask images of any colour (same file stem) -> dataset. With
 * neither `stage` nor `stages` every item has an unknown stage: a segmentation-only dataset.
 */
export async function importMasks(opts: ImportMasksOptions): Promise<ImportResult> {
  const channel = opts.channel ?? 'max';
  const threshold = opts.threshold ?? 127;
  if (!(Number.isInteger(threshold) && threshold >= 0 && threshold <= 254))
    badOption('--threshold: expected an integer 0..254');
  if (opts.stage !== undefined && opts.stages !== undefined) badOption('--stage and --stages are exclusive');
  const re = compileGroupRegex(opts.groupBy);
  const stageMap = opts.stages ? await readStagesCsv(opts.stages) : null;
  const images = await listImages(opts.images);
  const maskNames = (await readdir(opts.masks)).filter((n) =>
    IMAGE_EXTENSIONS.includes(path.extname(n).toLowerCase()),
  );
  const masksByStem = new Map<string, string>();
  for (const n of maskNames.sort()) {
    const s = stemOf(n);
    // Prefer a lossless PNG mask when both a PNG and a JPEG share a stem.
    if (!masksByStem.has(s) || path.extname(n).toLowerCase() === '.png') masksByStem.set(s, n);
  }
  const skipped: SkippedItem[] = [];
  const warnings: SkippedItem[] = [];
  const imageStems = new Set(images.map(stemOf));
  for (const [s, n] of masksByStem)
    if (!imageStems.has(s)) skipped.push({ file: n, reason: 'mask without an image' });

  return withStaging(opts.out, !!opts.force, async (staging) => {
    let done = 0;
    for (const file of images) {
      opts.onProgress?.(done++, images.length, file);
      const skip = (reason: string) => skipped.push({ file, reason });
      const stem = stemOf(file);
      let stage: Stage | null = opts.stage ?? null;
      if (stageMap) {
        const raw = stageMap.get(file) ?? stageMap.get(stem);
        if (raw === undefined) {
          skip(`no stage for this image in ${path.basename(opts.stages as string)}`);
          continue;
        }
        stage = parseStageLabel(raw);
        if (stage === null) {
          skip(`unknown stage label '${raw}'`);
          continue;
        }
      }
      const maskName = masksByStem.get(stem);
      if (!maskName) {
        skip(`no mask with this stem in ${opts.masks}`);
        continue;
      }
      let bytes: Uint8Array;
      let img: Image8;
      let maskImg: Image8;
      try {
        bytes = await readFile(path.join(opts.images, file));
        img = decodeImageBytes(bytes);
      } catch (e) {
        skip(`unreadable image: ${(e as NodeJS.ErrnoException).code ?? reasonOf(e)}`);
        continue;
      }
      try {
        maskImg = decodeImageBytes(await readFile(path.join(opts.masks, maskName)));
      } catch (e) {
        skip(`unreadable mask ${maskName}: ${(e as NodeJS.ErrnoException).code ?? reasonOf(e)}`);
        continue;
      }
      if (maskImg.width !== img.width || maskImg.height !== img.height) {
        skip(`mask ${maskImg.width}x${maskImg.height} differs from image ${img.width}x${img.height}`);
        continue;
      }
      const mask = thresholdMask(maskImg, channel, threshold);
      const problem = maskStageProblem(stage, countOn(mask), !!opts.allowEmpty);
      if (problem) {
        skip(`${problem} (channel ${channel} > ${threshold})`);
        continue;
      }
      const infant = groupKeyOrStem(stem, re, file, warnings);
      await staging.addNew(
        { stem, infant, eye: '', view: '', stage, split: '', augmented_from: '' },
        bytes,
        mask,
      );
    }
    opts.onProgress?.(images.length, images.length, 'done');
    return finishImport(
      staging,
      opts,
      {
        kind: 'masks',
        params: {
          images: opts.images,
          masks: opts.masks,
          channel,
          threshold,
          groupBy: opts.groupBy ?? null,
          stage: opts.stage ?? null,
          stages: opts.stages ?? null,
          allowEmpty: !!opts.allowEmpty,
        },
      },
      { skipped, warnings },
      { op: 'import-masks', params: { channel, threshold } },
    );
  });
}
