import path from 'node:path';
import { mulberry32 } from '@ropline/core';
import { readDataset, withStaging } from './dataset-io.js';
import {
  ITEM_COLUMNS,
  SPLITS,
  badOption,
  stageKey,
  type DatasetItem,
  type DatasetManifest,
  type ProgressFn,
  type Split,
} from './dataset.types.js';
import { nowIso } from './import-common.js';

/** The paper's split: train : test : validation = 6 : 3 : 1. */
export const PAPER_RATIOS: [number, number, number] = [6, 3, 1];

export interface AssignSplitOptions {
  seed: number;
  /** train : test : validation weights (any scale). */
  ratios?: [number, number, number];
  /** Item columns whose values, joined, form the group key ('infant' by default; 'infant+eye' joins two). */
  groupBy?: string;
}

/** "6:3:1" -> [6, 3, 1]; weights must be >= 0 with a positive sum. */
export function parseRatios(text: string): [number, number, number] {
  const parts = text.split(':').map((s) => Number(s.trim()));
  if (
    parts.length !== 3 ||
    parts.some((p) => !Number.isFinite(p) || p < 0) ||
    parts[0] + parts[1] + parts[2] <= 0
  )
    badOption(`--ratios: expected train:test:validation weights like 6:3:1, got '${text}'`);
  return parts as [number, number, number];
}

export function groupColumns(groupBy: string): (keyof DatasetItem)[] {
  const cols = groupBy.split('+').map((s) => s.trim());
  const bad = cols.filter((c) => !(ITEM_COLUMNS as readonly string[]).includes(c) || c === 'split');
  if (!cols.length || bad.length)
    badOption(`--group-by: expected item columns like infant or infant+eye, got '${groupBy}'`);
  return cols as (keyof DatasetItem)[];
}

/** The original an augmented variant derives from (following chains), or the item itself. */
function rootOf(item: DatasetItem, byId: Map<string, DatasetItem>): DatasetItem {
  let cur = item;
  for (let guard = 0; cur.augmented_from && guard < 100; guard++) {
    const next = byId.get(cur.augmented_from);
    if (!next) break;
    cur = next;
  }
  return cur;
}

/**
 * Grouped, stratified assignment. Groups (by default infants) are shuffled with mulberry32(seed),
 * ordered largest first, and each goes whole to the split whose per-stage quota is least filled,
 * weighted by the group's stage mix (a greedy multi-label stratification). Augmented variants follow
 * their original. Deterministic: same items + seed + options -> same assignment.
 */
export function assignSplits(items: readonly DatasetItem[], opts: AssignSplitOptions): Map<string, Split> {
  const ratios = opts.ratios ?? PAPER_RATIOS;
  const sum = ratios[0] + ratios[1] + ratios[2];
  const frac = ratios.map((r) => r / sum);
  const cols = groupColumns(opts.groupBy ?? 'infant');
  const byId = new Map(items.map((i) => [i.id, i]));
  const keyOf = (it: DatasetItem) => cols.map((c) => String(it[c] ?? '')).join('\u0001');
  const originals = items.filter((i) => !i.augmented_from || !byId.has(i.augmented_from));
  const groups = new Map<string, Map<string, number>>();
  const totals = new Map<string, number>();
  for (const it of originals) {
    const k = keyOf(it);
    const st = stageKey(it.stage);
    const g = groups.get(k) ?? new Map<string, number>();
    g.set(st, (g.get(st) ?? 0) + 1);
    groups.set(k, g);
    totals.set(st, (totals.get(st) ?? 0) + 1);
  }
  const rnd = mulberry32(opts.seed);
  const keys = [...groups.keys()].sort();
  for (let i = keys.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [keys[i], keys[j]] = [keys[j], keys[i]];
  }
  const size = (k: string) => [...(groups.get(k) as Map<string, number>).values()].reduce((a, b) => a + b, 0);
  const order = keys.map((k, i) => ({ k, i, n: size(k) })).sort((a, b) => b.n - a.n || a.i - b.i);
  const filled = SPLITS.map(() => new Map<string, number>());
  const groupSplit = new Map<string, Split>();
  for (const { k } of order) {
    const g = groups.get(k) as Map<string, number>;
    let best = -1;
    let bestScore = -Infinity;
    for (let s = 0; s < SPLITS.length; s++) {
      if (frac[s] === 0) continue;
      let score = 0;
      for (const [st, n] of g) {
        const target = frac[s] * (totals.get(st) as number);
        score += (n * (target - (filled[s].get(st) ?? 0))) / target;
      }
      if (score > bestScore + 1e-12) {
        bestScore = score;
        best = s;
      }
    }
    for (const [st, n] of g) filled[best].set(st, (filled[best].get(st) ?? 0) + n);
    groupSplit.set(k, SPLITS[best]);
  }
  const out = new Map<string, Split>();
  for (const it of items) out.set(it.id, groupSplit.get(keyOf(rootOf(it, byId))) as Split);
  return out;
}

export interface SplitDatasetOptions extends AssignSplitOptions {
  data: string;
  /** Where to write the new version (default: replace `data` atomically). */
  out?: string;
  force?: boolean;
  onProgress?: ProgressFn;
}

/** `rop dataset split`: writes the split column as a new dataset version (new hash). */
export async function splitDataset(opts: SplitDatasetOptions): Promise<DatasetManifest> {
  const ds = await readDataset(opts.data);
  const ratios = opts.ratios ?? PAPER_RATIOS;
  const groupBy = opts.groupBy ?? 'infant';
  const assignment = assignSplits(ds.items, { seed: opts.seed, ratios, groupBy });
  const out = opts.out ?? opts.data;
  const inPlace = path.resolve(out) === path.resolve(opts.data);
  return withStaging(out, inPlace || !!opts.force, async (staging) => {
    let done = 0;
    for (const it of ds.items) {
      opts.onProgress?.(done++, ds.items.length, it.id);
      await staging.addExisting(ds.dir, it, { split: assignment.get(it.id) as Split });
    }
    opts.onProgress?.(ds.items.length, ds.items.length, 'done');
    return staging.commit({
      name: ds.manifest.name,
      source: ds.manifest.source,
      skipped: ds.manifest.skipped,
      warnings: ds.manifest.warnings,
      history: [
        ...ds.manifest.history,
        {
          op: 'split',
          at: nowIso(),
          params: { seed: opts.seed, ratios: ratios.join(':'), groupBy },
          parentHash: ds.manifest.hash,
        },
      ],
    });
  });
}
