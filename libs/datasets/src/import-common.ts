import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Image8 } from '@ropline/core';
import type { DatasetStaging } from './dataset-io.js';
import {
  badOption,
  type DatasetManifest,
  type HistoryEntry,
  type SkippedItem,
  type Stage,
} from './dataset.types.js';
import { createMask, type Mask } from './rasterize.util.js';

export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg'];

/** What every importer hands back: the manifest (null when nothing was imported) and the report. */
export interface ImportResult {
  manifest: DatasetManifest | null;
  out: string;
  imported: number;
  skipped: SkippedItem[];
  warnings: SkippedItem[];
}

/**
 * The common end of every importer: nothing imported -> abort (nothing written) and report; else
 * commit the dataset with its source, the skipped/warning report and one history entry.
 */
export async function finishImport(
  staging: DatasetStaging,
  opts: CommonImportOptions,
  source: DatasetManifest['source'],
  report: { skipped: SkippedItem[]; warnings: SkippedItem[] },
  history: Omit<HistoryEntry, 'at' | 'parentHash'>,
): Promise<ImportResult> {
  const result: ImportResult = { manifest: null, out: opts.out, imported: staging.items.length, ...report };
  if (!staging.items.length) {
    await staging.abort();
    return result;
  }
  result.manifest = await staging.commit({
    name: opts.name ?? path.basename(path.resolve(opts.out)),
    source,
    ...report,
    history: [{ ...history, at: nowIso() }],
  });
  return result;
}

export interface CommonImportOptions {
  out: string;
  /** Dataset name (default: the output folder's name). */
  name?: string;
  /** Replace an existing dataset at `out`. */
  force?: boolean;
  onProgress?: (done: number, total: number, label: string) => void;
}

/** Image files (PNG/JPEG by extension) directly in `dir`, sorted by name. */
export async function listImages(dir: string): Promise<string[]> {
  const names = await readdir(dir);
  return names
    .filter((n) => !n.startsWith('.') && IMAGE_EXTENSIONS.includes(path.extname(n).toLowerCase()))
    .sort();
}

export function stemOf(file: string): string {
  return path.basename(file, path.extname(file));
}

/** Compiles `--group-by`; a bad pattern is a usage error. */
export function compileGroupRegex(pattern: string | undefined): RegExp | null {
  if (pattern === undefined || pattern === '') return null;
  try {
    return new RegExp(pattern);
  } catch (e) {
    return badOption(`--group-by: invalid regular expression: ${(e as Error).message}`);
  }
}

/**
 * The group (infant) key of a file stem: the regex's capture groups joined by '_', or the whole
 * match when it has none; the whole stem without a regex. `null` when the regex does not match.
 */
export function groupKeyOf(stem: string, re: RegExp | null): string | null {
  if (!re) return stem;
  const m = re.exec(stem);
  if (!m) return null;
  const caps = m.slice(1).filter((c) => c !== undefined);
  return caps.length ? caps.join('_') : m[0];
}

/** `groupKeyOf`, falling back to the whole stem with a warning when `--group-by` does not match. */
export function groupKeyOrStem(
  stem: string,
  re: RegExp | null,
  file: string,
  warnings: SkippedItem[],
): string {
  const key = groupKeyOf(stem, re);
  if (key !== null) return key;
  warnings.push({ file, reason: '--group-by did not match: grouped by the whole stem' });
  return stem;
}

export const MASK_CHANNELS = ['r', 'g', 'b', 'gray', 'max'] as const;
export type MaskChannel = (typeof MASK_CHANNELS)[number];

/**
 * A colour (or gray) mask image to a binary mask: a pixel is on when the chosen channel is
 * strictly greater than `threshold`. 'max' = the largest of R, G, B (any colour counts);
 * 'gray' = luma 0.299 R + 0.587 G + 0.114 B. On 1-channel input every choice reads the gray value.
 */
export function thresholdMask(img: Image8, channel: MaskChannel, threshold: number): Mask {
  const m = createMask(img.width, img.height);
  const n = img.width * img.height;
  const { data } = img;
  if (img.channels === 1) {
    for (let i = 0; i < n; i++) m.data[i] = data[i] > threshold ? 255 : 0;
    return m;
  }
  for (let i = 0, s = 0; i < n; i++, s += 3) {
    const r = data[s];
    const g = data[s + 1];
    const b = data[s + 2];
    const v =
      channel === 'r'
        ? r
        : channel === 'g'
          ? g
          : channel === 'b'
            ? b
            : channel === 'max'
              ? Math.max(r, g, b)
              : (r * 299 + g * 587 + b * 114) / 1000;
    m.data[i] = v > threshold ? 255 : 0;
  }
  return m;
}

/**
 * The rule tying labels to masks: a stage 1-3 (or unknown-stage, segmentation-only) item needs a
 * line in its mask unless `allowEmpty`; a stage 0 item must not have one. Returns the reason to skip.
 */
export function maskStageProblem(
  stage: Stage | null,
  linePixels: number,
  allowEmpty: boolean,
): string | null {
  if (stage === 0 && linePixels > 0) return `stage 0 (no ROP) but the mask has ${linePixels} line pixels`;
  if (stage !== 0 && linePixels === 0 && !allowEmpty) {
    return stage === null
      ? 'empty mask: a segmentation item needs a line (pass --allow-empty to keep it)'
      : `stage ${stage} but the mask is empty: a line is required (pass --allow-empty to keep it)`;
  }
  return null;
}

export function reasonOf(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

export function nowIso(): string {
  return new Date().toISOString();
}
