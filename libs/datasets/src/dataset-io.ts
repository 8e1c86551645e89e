import { createHash, randomBytes } from 'node:crypto';
import { copyFile, link, mkdir, readFile, rename, rm, stat, writeFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { RopError } from '@ropline/core';
import { encodePng } from '@ropline/preprocess';
import { formatCsv, parseCsvRecords } from './csv.util.js';
import {
  DATASET_EXISTS,
  DATASET_FORMAT,
  DATASET_INVALID,
  ITEM_COLUMNS,
  SPLITS,
  parseStageLabel,
  stageKey,
  type DatasetCounts,
  type DatasetItem,
  type DatasetManifest,
  type HistoryEntry,
  type SkippedItem,
  type Stage,
} from './dataset.types.js';
import type { Mask } from './rasterize.util.js';

export function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The item record as hashed and written: the `items.csv` columns in order. */
export function itemRow(item: DatasetItem): string[] {
  return ITEM_COLUMNS.map((c) => (c === 'stage' ? (item.stage === null ? '' : String(item.stage)) : item[c]));
}

/**
 * The content hash: sha256 over the format tag, every item record (sorted by id) and then every
 * image/mask file as `path<TAB>sha256` (sorted by path). Names, dates, the skipped report and the
 * history do not enter it, so it changes if and only if the items or the pixels change.
 */
export function computeDatasetHash(items: readonly DatasetItem[]): string {
  const h = createHash('sha256');
  h.update(`${DATASET_FORMAT}\n`);
  const sorted = [...items].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const it of sorted) h.update(itemRow(it).join('\t') + '\n');
  const files: [string, string][] = [];
  for (const it of sorted) {
    if (it.image) files.push([it.image, it.image_sha256]);
    if (it.mask) files.push([it.mask, it.mask_sha256]);
  }
  files.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  h.update('files\n');
  for (const [p, s] of files) h.update(`${p}\t${s}\n`);
  return h.digest('hex');
}

export function computeCounts(items: readonly DatasetItem[]): DatasetCounts {
  const byStage: Record<string, number> = {};
  const bySplit: Record<string, number> = {};
  const byStageAndSplit: Record<string, Record<string, number>> = {};
  let augmented = 0;
  for (const it of items) {
    const st = stageKey(it.stage);
    const sp = it.split || 'unassigned';
    byStage[st] = (byStage[st] ?? 0) + 1;
    bySplit[sp] = (bySplit[sp] ?? 0) + 1;
    byStageAndSplit[sp] ??= {};
    byStageAndSplit[sp][st] = (byStageAndSplit[sp][st] ?? 0) + 1;
    if (it.augmented_from) augmented++;
  }
  return {
    total: items.length,
    originals: items.length - augmented,
    augmented,
    byStage,
    bySplit,
    byStageAndSplit,
  };
}

export interface LoadedDataset {
  dir: string;
  manifest: DatasetManifest;
  items: DatasetItem[];
}

function invalid(message: string): never {
  throw new RopError(DATASET_INVALID, message);
}

/** Reads `dataset.json` and `items.csv` (not the pixels; see `verifyDataset`). */
export async function readDataset(dir: string): Promise<LoadedDataset> {
  let manifest: DatasetManifest;
  try {
    manifest = JSON.parse(await readFile(path.join(dir, 'dataset.json'), 'utf8')) as DatasetManifest;
  } catch (e) {
    invalid(
      `${dir} is not a ROPline dataset (dataset.json: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
  if (manifest.format !== DATASET_FORMAT)
    invalid(`${dir}: unsupported dataset format ${String(manifest.format)}`);
  const { header, records } = parseCsvRecords(await readFile(path.join(dir, 'items.csv'), 'utf8'));
  const missing = ITEM_COLUMNS.filter((c) => !header.includes(c));
  if (missing.length) invalid(`${dir}/items.csv: missing columns ${missing.join(', ')}`);
  const items = records.map((r, k): DatasetItem => {
    const stage = r.stage === '' ? null : parseStageLabel(r.stage);
    if (r.stage !== '' && stage === null) invalid(`${dir}/items.csv row ${k + 2}: bad stage '${r.stage}'`);
    if (r.split !== '' && !(SPLITS as readonly string[]).includes(r.split))
      invalid(`${dir}/items.csv row ${k + 2}: bad split '${r.split}'`);
    return {
      id: r.id,
      infant: r.infant,
      eye: r.eye,
      view: r.view,
      stage,
      image: r.image,
      mask: r.mask,
      split: r.split as DatasetItem['split'],
      augmented_from: r.augmented_from,
      image_sha256: r.image_sha256,
      mask_sha256: r.mask_sha256,
    };
  });
  return { dir, manifest, items };
}

/** Re-hashes every file and the whole dataset; lists what does not match. */
export async function verifyDataset(dir: string): Promise<{ ok: boolean; problems: string[]; hash: string }> {
  const { manifest, items } = await readDataset(dir);
  const problems: string[] = [];
  for (const it of items) {
    for (const [rel, want] of [
      [it.image, it.image_sha256],
      [it.mask, it.mask_sha256],
    ] as const) {
      if (!rel) continue;
      try {
        const got = sha256(await readFile(path.join(dir, rel)));
        if (got !== want) problems.push(`${rel}: sha256 ${got} != recorded ${want}`);
      } catch (e) {
        problems.push(`${rel}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
      }
    }
  }
  const hash = computeDatasetHash(items);
  if (hash !== manifest.hash) problems.push(`dataset hash ${hash} != recorded ${manifest.hash}`);
  return { ok: problems.length === 0, problems, hash };
}

export interface ManifestParts {
  name: string;
  source: DatasetManifest['source'];
  skipped: SkippedItem[];
  warnings: SkippedItem[];
  history: HistoryEntry[];
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

/** Safe item ids: file stems with anything outside [A-Za-z0-9._-] replaced, made unique. */
export class IdAllocator {
  private readonly used = new Set<string>();
  allocate(stem: string): string {
    const base = stem.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^[.]+/, '_') || 'item';
    let id = base;
    for (let k = 2; this.used.has(id); k++) id = `${base}-${k}`;
    this.used.add(id);
    return id;
  }
}

export function imageExtension(bytes: Uint8Array): '.png' | '.jpg' {
  return bytes[0] === 0x89 && bytes[1] === 0x50 ? '.png' : '.jpg';
}

export function maskToPngBytes(mask: Mask): Buffer {
  return encodePng({ data: mask.data, width: mask.width, height: mask.height, channels: 1 });
}

/**
 * Builds a dataset in a staging folder next to `out` and swaps it in on `commit` (a directory
 * rename), so `out` is either the old complete dataset or the new complete one, never partial.
 * `abort` (or any failure before commit) removes the staging folder.
 */
export class DatasetStaging {
  readonly items: DatasetItem[] = [];
  readonly ids = new IdAllocator();
  private constructor(
    readonly out: string,
    readonly staging: string,
  ) {}

  /**
   * `replace`: allow `out` to exist when it is a ROPline dataset (it is replaced on commit).
   * A non-dataset folder that is not empty is never replaced.
   */
  static async create(out: string, replace: boolean): Promise<DatasetStaging> {
    const abs = path.resolve(out);
    if (await exists(abs)) {
      const isDataset = await exists(path.join(abs, 'dataset.json'));
      const empty = !isDataset && (await readdir(abs)).length === 0;
      if (!empty && !(isDataset && replace)) {
        throw new RopError(
          DATASET_EXISTS,
          isDataset
            ? `${out} already holds a dataset (pass --force to replace it)`
            : `${out} exists and is not an empty folder nor a ROPline dataset`,
        );
      }
    }
    const staging = path.join(
      path.dirname(abs),
      `.${path.basename(abs)}.staging-${randomBytes(6).toString('hex')}`,
    );
    await mkdir(path.join(staging, 'images'), { recursive: true });
    await mkdir(path.join(staging, 'masks'), { recursive: true });
    return new DatasetStaging(abs, staging);
  }

  /** Writes image bytes (kept as they are: PNG or JPEG) and a 0/255 mask; returns the item. */
  async addNew(
    meta: Omit<DatasetItem, 'id' | 'image' | 'mask' | 'image_sha256' | 'mask_sha256'> & { stem: string },
    imageBytes: Uint8Array,
    mask: Mask | null,
    imageExt?: string,
  ): Promise<DatasetItem> {
    const id = this.ids.allocate(meta.stem);
    const image = `images/${id}${imageExt ?? imageExtension(imageBytes)}`;
    await writeFile(path.join(this.staging, image), imageBytes);
    let maskRel = '';
    let maskSha = '';
    if (mask) {
      const png = maskToPngBytes(mask);
      maskRel = `masks/${id}.png`;
      await writeFile(path.join(this.staging, maskRel), png);
      maskSha = sha256(png);
    }
    const item: DatasetItem = {
      id,
      infant: meta.infant,
      eye: meta.eye,
      view: meta.view,
      stage: meta.stage,
      image,
      mask: maskRel,
      split: meta.split,
      augmented_from: meta.augmented_from,
      image_sha256: sha256(imageBytes),
      mask_sha256: maskSha,
    };
    this.items.push(item);
    return item;
  }

  /** Carries an item of an existing dataset over (hard link, or copy across devices), with edits. */
  async addExisting(
    fromDir: string,
    item: DatasetItem,
    edits: Partial<DatasetItem> = {},
  ): Promise<DatasetItem> {
    this.ids.allocate(item.id);
    for (const rel of [item.image, item.mask]) {
      if (!rel) continue;
      const src = path.join(fromDir, rel);
      const dst = path.join(this.staging, rel);
      try {
        await link(src, dst);
      } catch {
        await copyFile(src, dst);
      }
    }
    const next = { ...item, ...edits };
    this.items.push(next);
    return next;
  }

  async commit(parts: ManifestParts): Promise<DatasetManifest> {
    const items = [...this.items].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const classes = [...new Set(items.map((i) => i.stage).filter((s): s is Stage => s !== null))].sort();
    const manifest: DatasetManifest = {
      format: DATASET_FORMAT,
      name: parts.name,
      source: parts.source,
      createdAt: new Date().toISOString(),
      task: items.some((i) => i.stage === null) ? 'segmentation' : 'classification+segmentation',
      classes,
      counts: computeCounts(items),
      hash: computeDatasetHash(items),
      skipped: parts.skipped,
      warnings: parts.warnings,
      history: parts.history,
    };
    await writeFile(path.join(this.staging, 'items.csv'), formatCsv(ITEM_COLUMNS, items.map(itemRow)));
    await writeFile(path.join(this.staging, 'dataset.json'), JSON.stringify(manifest, null, 2) + '\n');
    const old = `${this.staging}.old`;
    let moved = false;
    if (await exists(this.out)) {
      await rename(this.out, old);
      moved = true;
    }
    try {
      await rename(this.staging, this.out);
    } catch (e) {
      if (moved) await rename(old, this.out);
      throw e;
    }
    if (moved) await rm(old, { recursive: true, force: true });
    return manifest;
  }

  async abort(): Promise<void> {
    await rm(this.staging, { recursive: true, force: true });
  }
}

/** Runs `build` against a fresh staging folder and aborts it on any failure. */
export async function withStaging<T>(
  out: string,
  replace: boolean,
  build: (s: DatasetStaging) => Promise<T>,
): Promise<T> {
  const staging = await DatasetStaging.create(out, replace);
  try {
    return await build(staging);
  } catch (e) {
    await staging.abort();
    throw e;
  }
}
