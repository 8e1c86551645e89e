import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { mulberry32, type Image8 } from '@ropline/core';
import {
  applyAugment,
  augmentPair,
  decodeImageBytes,
  encodePng,
  sampleAugmentParams,
} from '@ropline/preprocess';
import { readDataset, withStaging } from './dataset-io.js';
import {
  SPLITS,
  badOption,
  type DatasetItem,
  type DatasetManifest,
  type ProgressFn,
  type SkippedItem,
  type Stage,
} from './dataset.types.js';
import { nowIso } from './import-common.js';
import { countOn } from './rasterize.util.js';

export const BALANCE_MODES = ['paper', 'largest'] as const;
export type BalanceMode = (typeof BALANCE_MODES)[number];

export interface AugmentDatasetOptions {
  data: string;
  out?: string;
  force?: boolean;
  seed: number;
  /** 'paper': stage-1 images x`factor` (default 5); 'largest': every stage up to the largest, per split. */
  balance?: BalanceMode;
  factor?: number;
  /** Augment every split (as the paper did) instead of train only. */
  allSplits?: boolean;
  onProgress?: ProgressFn;
}

/** One planned variant: `k`-th variant of `source`. */
export interface PlannedVariant {
  source: DatasetItem;
  k: number;
}

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** The augmentation seed of variant k of an item: independent of item order, fixed by the run seed. */
export function variantSeed(seed: number, id: string, k: number, attempt = 0): number {
  return Math.floor(mulberry32((fnv1a(`${id}#${k}#${attempt}`) ^ seed) >>> 0)() * 4294967296);
}

function byId(a: DatasetItem, b: DatasetItem): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Which variants to make. Existing variants are ignored: augmentation always restarts from the originals. */
export function planAugmentation(
  items: readonly DatasetItem[],
  opts: { balance: BalanceMode; factor?: number; allSplits?: boolean },
): PlannedVariant[] {
  const factor = opts.factor ?? 5;
  if (!(Number.isInteger(factor) && factor >= 1 && factor <= 100))
    badOption('--factor: expected an integer 1..100');
  const scope = items.filter((i) => !i.augmented_from && (opts.allSplits || i.split === 'train')).sort(byId);
  const plan: PlannedVariant[] = [];
  if (opts.balance === 'paper') {
    for (const it of scope) if (it.stage === 1) for (let k = 1; k < factor; k++) plan.push({ source: it, k });
    return plan;
  }
  const splits = [...new Set(scope.map((i) => i.split))].sort();
  for (const sp of splits) {
    const byStage = new Map<Stage, DatasetItem[]>();
    for (const it of scope) {
      if (it.split !== sp || it.stage === null) continue;
      byStage.set(it.stage, [...(byStage.get(it.stage) ?? []), it]);
    }
    const largest = Math.max(0, ...[...byStage.values()].map((l) => l.length));
    for (const [, list] of [...byStage].sort((a, b) => a[0] - b[0])) {
      for (let j = 0; j < largest - list.length; j++) {
        plan.push({ source: list[j % list.length], k: Math.floor(j / list.length) + 1 });
      }
    }
  }
  return plan;
}

export interface AugmentResult {
  manifest: DatasetManifest;
  added: number;
  dropped: number;
  skipped: SkippedItem[];
}

/**
 * `rop dataset augment`: the paper's crop/zoom variants (augmentPair: the same crop and zoom on image
 * and mask), written as PNG with `augmented_from`, the source's split, infant, eye, view and stage.
 */
export async function augmentDataset(opts: AugmentDatasetOptions): Promise<AugmentResult> {
  const ds = await readDataset(opts.data);
  const balance = opts.balance ?? 'paper';
  if (!(BALANCE_MODES as readonly string[]).includes(balance))
    badOption(`--balance: expected paper or largest`);
  const originals = ds.items.filter((i) => !i.augmented_from);
  const inScope = originals.filter((i) => opts.allSplits || i.split === 'train');
  if (!inScope.length)
    badOption(
      opts.allSplits
        ? 'the dataset has no original items'
        : 'no item is in the train split: run `rop dataset split` first, or pass --all-splits',
    );
  if (balance === 'largest' && inScope.every((i) => i.stage === null))
    badOption('no stage labels (segmentation-only dataset): nothing to balance');
  const plan = planAugmentation(ds.items, { balance, factor: opts.factor, allSplits: opts.allSplits });
  const out = opts.out ?? opts.data;
  const inPlace = path.resolve(out) === path.resolve(opts.data);
  const skipped: SkippedItem[] = [];
  return withStaging(out, inPlace || !!opts.force, async (staging) => {
    for (const it of originals) await staging.addExisting(ds.dir, it);
    const cache = new Map<string, { image: Image8; mask: Image8 | null }>();
    let done = 0;
    let added = 0;
    for (const { source, k } of plan) {
      opts.onProgress?.(done++, plan.length, source.id);
      let src = cache.get(source.id);
      if (!src) {
        cache.clear();
        const image = decodeImageBytes(await readFile(path.join(ds.dir, source.image)));
        const mask = source.mask ? decodeImageBytes(await readFile(path.join(ds.dir, source.mask))) : null;
        src = { image, mask };
        cache.set(source.id, src);
      }
      let made: { image: Image8; mask: Image8 | null } | null = null;
      // A crop can cut a line near the border out of the mask: redraw (up to 5 tries) rather than
      // keep a staged image without its line.
      for (let attempt = 0; attempt < 5 && !made; attempt++) {
        const seed = variantSeed(opts.seed, source.id, k, attempt);
        if (src.mask) {
          const r = augmentPair(src.image, src.mask, seed);
          if (source.stage === 0 || countOn(r.mask) > 0) made = { image: r.image, mask: r.mask };
        } else {
          made = { image: applyAugment(src.image, sampleAugmentParams(seed), 'linear'), mask: null };
        }
      }
      if (!made) {
        skipped.push({
          file: source.id,
          reason: `variant ${k}: the line left the image in 5 crops; not made`,
        });
        continue;
      }
      const id = `${source.id}_aug${k}`;
      await staging.addNew(
        {
          stem: id,
          infant: source.infant,
          eye: source.eye,
          view: source.view,
          stage: source.stage,
          split: source.split,
          augmented_from: source.id,
        },
        encodePng(made.image),
        made.mask ? { data: made.mask.data, width: made.mask.width, height: made.mask.height } : null,
        '.png',
      );
      added++;
    }
    opts.onProgress?.(plan.length, plan.length, 'done');
    const manifest = await staging.commit({
      name: ds.manifest.name,
      source: ds.manifest.source,
      skipped: [...ds.manifest.skipped.filter((s) => !/^variant \d+:/.test(s.reason)), ...skipped],
      warnings: ds.manifest.warnings,
      history: [
        ...ds.manifest.history,
        {
          op: 'augment',
          at: nowIso(),
          params: {
            seed: opts.seed,
            balance,
            factor: opts.factor ?? 5,
            splits: opts.allSplits ? SPLITS.join(',') : 'train',
            added,
          },
          parentHash: ds.manifest.hash,
        },
      ],
    });
    return { manifest, added, dropped: ds.items.length - originals.length, skipped };
  });
}
