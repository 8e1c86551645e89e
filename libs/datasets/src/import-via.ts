import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { RopError, type Image8 } from '@ropline/core';
import { decodeImageBytes } from '@ropline/preprocess';
import { withStaging } from './dataset-io.js';
import { DATASET_INVALID, parseStageLabel, type SkippedItem, type Stage } from './dataset.types.js';
import {
  compileGroupRegex,
  groupKeyOrStem,
  listImages,
  maskStageProblem,
  reasonOf,
  stemOf,
  type CommonImportOptions,
  finishImport,
  type ImportResult,
} from './import-common.js';
import {
  createMask,
  fillEllipse,
  fillPolygon,
  fillRect,
  strokePolyline,
  type Mask,
  type RasterResult,
} from './rasterize.util.js';

/** One image's entry in a VIA 2.x project (`_via_img_metadata`) or annotation export. */
export interface ViaEntry {
  filename: string;
  size?: number;
  regions?: ViaRegion[] | Record<string, ViaRegion>;
  file_attributes?: Record<string, unknown>;
}

export interface ViaRegion {
  shape_attributes: { name: string; [k: string]: unknown };
  region_attributes?: Record<string, unknown>;
}

export interface ImportViaOptions extends CommonImportOptions {
  images: string;
  via: string;
  /** Region attribute holding the stage (default 'stage'); a file attribute of that name is the fallback. */
  stageAttr?: string;
  /** Regex over the file stem giving the infant/group key (default: the whole stem). */
  groupBy?: string;
  /** Images with no region: skip them (default) or import them as stage 0 with an empty mask. */
  unannotated?: 'skip' | 'stage0';
  /** Stroke width in pixels for polyline regions (default 3). */
  lineWidth?: number;
}

/** Parses VIA JSON (a 2.x project with `_via_img_metadata`, or the bare annotation map). */
export function parseViaJson(text: string): ViaEntry[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new RopError(DATASET_INVALID, `VIA file is not JSON: ${reasonOf(e)}`);
  }
  if (!json || typeof json !== 'object')
    throw new RopError(DATASET_INVALID, 'VIA file: expected a JSON object');
  const root = json as Record<string, unknown>;
  const meta = (root._via_img_metadata ?? root) as Record<string, unknown>;
  const entries = Object.values(meta).filter(
    (v): v is ViaEntry => !!v && typeof v === 'object' && typeof (v as ViaEntry).filename === 'string',
  );
  if (!entries.length)
    throw new RopError(DATASET_INVALID, 'VIA file: no image entries (expected {key: {filename, regions}})');
  return entries;
}

/** A stage from a VIA attribute value: text/number, or a checkbox/dropdown object `{ "2": true }`. */
function stageFromAttr(value: unknown): { stage: Stage | null; raw: string } | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'object') {
    const on = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v === true)
      .map(([k]) => k);
    if (!on.length) return undefined;
    const stages = on.map(parseStageLabel);
    if (stages.some((s) => s === null)) return { stage: null, raw: on.join('|') };
    return { stage: Math.max(...(stages as number[])) as Stage, raw: on.join('|') };
  }
  return { stage: parseStageLabel(value), raw: String(value) };
}

function nums(v: unknown): number[] {
  return Array.isArray(v) ? v.map(Number) : [];
}

/** Draws one region; `null` for a shape this importer does not rasterise. */
export function rasterizeRegion(
  mask: Mask,
  shape: ViaRegion['shape_attributes'],
  lineWidth: number,
): RasterResult | null {
  const n = (k: string) => Number(shape[k]);
  switch (shape.name) {
    case 'polygon':
      return fillPolygon(mask, nums(shape.all_points_x), nums(shape.all_points_y));
    case 'rect':
      return fillRect(mask, n('x'), n('y'), n('width'), n('height'));
    case 'ellipse':
      return fillEllipse(mask, n('cx'), n('cy'), n('rx'), n('ry'), Number(shape.theta ?? 0));
    case 'circle':
      return fillEllipse(mask, n('cx'), n('cy'), n('r'), n('r'));
    case 'polyline':
      return strokePolyline(mask, nums(shape.all_points_x), nums(shape.all_points_y), lineWidth);
    default:
      return null;
  }
}

/** `rop dataset import-via`: images + VIA regions (stage in a region attribute) -> dataset. */
export async function importVia(opts: ImportViaOptions): Promise<ImportResult> {
  const stageAttr = opts.stageAttr ?? 'stage';
  const re = compileGroupRegex(opts.groupBy);
  const lineWidth = opts.lineWidth ?? 3;
  const entries = parseViaJson(await readFile(opts.via, 'utf8'));
  const onDisk = await listImages(opts.images);
  const skipped: SkippedItem[] = [];
  const warnings: SkippedItem[] = [];
  const annotated = new Set(entries.map((e) => path.basename(e.filename)));
  for (const f of onDisk)
    if (!annotated.has(f)) skipped.push({ file: f, reason: 'image not in the VIA annotations' });

  return withStaging(opts.out, !!opts.force, async (staging) => {
    const seen = new Set<string>();
    let done = 0;
    for (const entry of entries) {
      opts.onProgress?.(done++, entries.length, entry.filename);
      const file = entry.filename;
      if (seen.has(file)) {
        skipped.push({ file, reason: 'duplicate VIA entry for this file name (first one imported)' });
        continue;
      }
      seen.add(file);
      const skip = (reason: string) => skipped.push({ file, reason });
      let bytes: Uint8Array;
      let img: Image8;
      try {
        bytes = await readFile(path.join(opts.images, path.basename(file)));
      } catch (e) {
        skip(
          (e as NodeJS.ErrnoException).code === 'ENOENT'
            ? `image file not found in ${opts.images}`
            : `cannot read image: ${(e as NodeJS.ErrnoException).code ?? reasonOf(e)}`,
        );
        continue;
      }
      try {
        img = decodeImageBytes(bytes);
      } catch (e) {
        skip(`unreadable image: ${reasonOf(e)}`);
        continue;
      }
      const regions = Array.isArray(entry.regions) ? entry.regions : Object.values(entry.regions ?? {});
      const fileStage = stageFromAttr(entry.file_attributes?.[stageAttr]);
      const mask = createMask(img.width, img.height);
      const stages: Stage[] = [];
      let bad: string | null = null;
      let drawn = 0;
      let unlabelled = 0;
      regions.forEach((r, k) => {
        if (bad) return;
        const label = stageFromAttr(r.region_attributes?.[stageAttr]) ?? fileStage;
        if (label && label.stage === null) {
          bad = `unknown stage label '${label.raw}' (region ${k}, attribute '${stageAttr}')`;
          return;
        }
        if (label) stages.push(label.stage as Stage);
        else unlabelled++;
        const res = rasterizeRegion(mask, r.shape_attributes ?? { name: '?' }, lineWidth);
        if (!res) {
          warnings.push({
            file,
            reason: `region ${k}: unsupported shape '${String(r.shape_attributes?.name)}' ignored`,
          });
          return;
        }
        if (res.pixels === 0) {
          warnings.push({
            file,
            reason: res.clipped
              ? `region ${k} lies outside the image: ignored`
              : `region ${k} covers no pixel centre: ignored`,
          });
          return;
        }
        if (res.clipped) warnings.push({ file, reason: `region ${k} extends outside the image: clipped` });
        drawn++;
      });
      if (bad) {
        skip(bad);
        continue;
      }
      let stage: Stage;
      if (!regions.length) {
        if (fileStage && fileStage.stage !== null && fileStage.stage !== 0) {
          skip(`file attribute says stage ${fileStage.stage} but there is no region`);
          continue;
        }
        if (opts.unannotated !== 'stage0' && !(fileStage && fileStage.stage === 0)) {
          skip('no regions (unannotated image); pass --unannotated stage0 to import it as stage 0');
          continue;
        }
        stage = 0;
      } else {
        if (!stages.length) {
          skip(`no stage label (region attribute '${stageAttr}')`);
          continue;
        }
        if (regions.length && drawn === 0) {
          skip('no region could be drawn (all outside the image, empty or unsupported)');
          continue;
        }
        if (unlabelled)
          warnings.push({
            file,
            reason: `${unlabelled} region(s) without a stage label: drawn, stage from the others`,
          });
        stage = Math.max(...stages) as Stage;
        if (new Set(stages).size > 1)
          warnings.push({
            file,
            reason: `regions labelled ${[...new Set(stages)].join(',')}: image staged ${stage} (most severe)`,
          });
      }
      const line = mask.data.reduce((a, v) => a + (v ? 1 : 0), 0);
      const problem = maskStageProblem(stage, line, false);
      if (problem) {
        skip(problem);
        continue;
      }
      const stem = stemOf(file);
      const infant = groupKeyOrStem(stem, re, file, warnings);
      await staging.addNew(
        { stem, infant, eye: '', view: '', stage, split: '', augmented_from: '' },
        bytes,
        mask,
      );
    }
    opts.onProgress?.(entries.length, entries.length, 'done');
    return finishImport(
      staging,
      opts,
      {
        kind: 'via',
        params: {
          images: opts.images,
          via: opts.via,
          stageAttr,
          groupBy: opts.groupBy ?? null,
          unannotated: opts.unannotated ?? 'skip',
          lineWidth,
        },
      },
      { skipped, warnings },
      { op: 'import-via', params: { via: path.basename(opts.via) } },
    );
  });
}
