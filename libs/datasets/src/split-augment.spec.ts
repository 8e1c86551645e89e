import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '@ropline/core';
import { decodeImageBytes } from '@ropline/preprocess';
import { augmentDataset, planAugmentation } from './augment.js';
import { readDataset, verifyDataset } from './dataset-io.js';
import { SPLITS, type DatasetItem, type Stage } from './dataset.types.js';
import { importPhantoms } from './import-phantoms.js';
import { assignSplits, parseRatios, splitDataset } from './split.js';
import { makePhantomDir, tempDir, removeTempDirs } from './fixtures.spec-util.js';

afterAll(removeTempDirs);

/** A cohort like the paper's: infants with both eyes, several views, stages skewed to 2 and 3. */
function cohort(infants: number, seed: number): DatasetItem[] {
  const rnd = mulberry32(seed);
  const items: DatasetItem[] = [];
  const pick = (): Stage => {
    const u = rnd();
    return u < 0.1 ? 1 : u < 0.55 ? 2 : 3;
  };
  for (let i = 0; i < infants; i++) {
    const od = pick();
    const os = rnd() < 0.7 ? od : pick();
    const views = 1 + Math.floor(rnd() * 6);
    for (const [eye, stage] of [
      ['OD', od],
      ['OS', os],
    ] as const)
      for (let v = 0; v < views; v++)
        items.push({
          id: `i${i}_${eye}_${v}`,
          infant: `i${i}`,
          eye,
          view: String(v),
          stage,
          image: '',
          mask: '',
          split: '',
          augmented_from: '',
          image_sha256: '',
          mask_sha256: '',
        });
  }
  return items;
}

describe('split', () => {
  const items = cohort(150, 3);

  it('never puts one infant in two splits', () => {
    const a = assignSplits(items, { seed: 1 });
    const splitOf = new Map<string, string>();
    for (const it of items) {
      const s = a.get(it.id)!;
      expect(SPLITS).toContain(s);
      if (splitOf.has(it.infant)) expect(splitOf.get(it.infant)).toBe(s);
      splitOf.set(it.infant, s);
    }
  });

  it('meets 6:3:1 overall and per stage within a tolerance', () => {
    for (const seed of [1, 2, 3]) {
      const a = assignSplits(items, { seed, ratios: [6, 3, 1] });
      const want = [0.6, 0.3, 0.1];
      for (const stage of [null, 1, 2, 3] as const) {
        const pool = items.filter((i) => stage === null || i.stage === stage);
        SPLITS.forEach((s, k) => {
          const frac = pool.filter((i) => a.get(i.id) === s).length / pool.length;
          // Whole infants move together: a few percent for the big classes, more for the small stage 1.
          const tol = stage === 1 ? 0.08 : 0.03;
          expect(Math.abs(frac - want[k]), `seed ${seed} stage ${stage} ${s}: ${frac}`).toBeLessThan(tol);
        });
      }
    }
  });

  it('is deterministic in the seed and order-independent', () => {
    const a = assignSplits(items, { seed: 42 });
    const b = assignSplits([...items].reverse(), { seed: 42 });
    expect([...a].sort()).toEqual([...b].sort());
    const c = assignSplits(items, { seed: 43 });
    expect([...a].sort()).not.toEqual([...c].sort());
  });

  it('honours the grouping key and keeps variants with their source', () => {
    const withVariant: DatasetItem[] = [
      ...items,
      { ...items[0], id: 'v1', augmented_from: items[0].id, infant: 'x' },
    ];
    const a = assignSplits(withVariant, { seed: 5 });
    expect(a.get('v1')).toBe(a.get(items[0].id));
    const byEye = assignSplits(items, { seed: 5, groupBy: 'infant+eye' });
    const seen = new Map<string, string>();
    for (const it of items) {
      const k = `${it.infant}/${it.eye}`;
      if (seen.has(k)) expect(seen.get(k)).toBe(byEye.get(it.id));
      seen.set(k, byEye.get(it.id)!);
    }
    expect(() => assignSplits(items, { seed: 5, groupBy: 'nope' })).toThrow(/--group-by/);
    expect(parseRatios('8:2:0')).toEqual([8, 2, 0]);
    expect(() => parseRatios('6:3')).toThrow(/--ratios/);
    expect(new Set(assignSplits(items, { seed: 5, ratios: [8, 2, 0] }).values()).has('validation')).toBe(
      false,
    );
  });

  it('writes the split column as a new dataset version', async () => {
    const root = await tempDir();
    const from = path.join(root, 'ph');
    await makePhantomDir(from, 10, (i) => 1 + (i % 3), { views: ['posterior'] });
    const out = path.join(root, 'ds');
    const imported = (await importPhantoms({ from, out })).manifest!;
    const m = await splitDataset({ data: out, seed: 7 });
    expect(m.hash).not.toBe(imported.hash);
    expect(m.history.at(-1)).toMatchObject({ op: 'split', parentHash: imported.hash });
    const ds = await readDataset(out);
    expect(ds.items.every((i) => i.split !== '')).toBe(true);
    const again = await splitDataset({ data: out, seed: 7 });
    expect(again.hash).toBe(m.hash);
    expect((await verifyDataset(out)).ok).toBe(true);
  });
});

describe('augment', () => {
  async function splitPhantoms(infants: number) {
    const root = await tempDir();
    const from = path.join(root, 'ph');
    // Stage 1 is the minority, as in the paper.
    await makePhantomDir(from, infants, (i, e) => (i % 4 === 0 ? 1 : 2 + ((i + e) % 2)), {
      views: ['posterior'],
    });
    const out = path.join(root, 'ds');
    await importPhantoms({ from, out });
    await splitDataset({ data: out, seed: 1 });
    return { root, out, before: await readDataset(out) };
  }

  it('paper: stage-1 train images x5, variants inherit split and infant, other splits untouched', async () => {
    const { out, before } = await splitPhantoms(12);
    const r = await augmentDataset({ data: out, seed: 9, balance: 'paper' });
    const ds = await readDataset(out);
    const train1 = before.items.filter((i) => i.split === 'train' && i.stage === 1);
    expect(train1.length).toBeGreaterThan(0);
    expect(r.added).toBe(train1.length * 4);
    const byId = new Map(ds.items.map((i) => [i.id, i]));
    for (const v of ds.items.filter((i) => i.augmented_from)) {
      const src = byId.get(v.augmented_from)!;
      expect(v).toMatchObject({ split: src.split, infant: src.infant, stage: 1, eye: src.eye });
      expect(v.split).toBe('train');
      const img = decodeImageBytes(await readFile(path.join(out, v.image)));
      const mask = decodeImageBytes(await readFile(path.join(out, v.mask)));
      expect([img.width, img.height, mask.width, mask.height]).toEqual([32, 24, 32, 24]);
      expect(mask.data.every((p) => p === 0 || p === 255)).toBe(true);
      expect(mask.data.some((p) => p === 255)).toBe(true);
    }
    for (const s of ['test', 'validation'])
      expect(ds.manifest.counts.bySplit[s]).toBe(before.manifest.counts.bySplit[s]);
    expect(ds.manifest.counts.byStageAndSplit.train['1']).toBe(train1.length * 5);
    expect((await verifyDataset(out)).ok).toBe(true);
  });

  it('is deterministic and idempotent (variants are regenerated from the originals)', async () => {
    const { out } = await splitPhantoms(8);
    const a = await augmentDataset({ data: out, seed: 9 });
    const b = await augmentDataset({ data: out, seed: 9 });
    expect(b.manifest.hash).toBe(a.manifest.hash);
    expect(b.dropped).toBe(a.added);
    const c = await augmentDataset({ data: out, seed: 10 });
    expect(c.manifest.hash).not.toBe(a.manifest.hash);
  });

  it('largest: balances every stage to the largest per split; --all-splits covers test/validation', async () => {
    const { out } = await splitPhantoms(16);
    const r = await augmentDataset({ data: out, seed: 2, balance: 'largest', allSplits: true });
    for (const sp of SPLITS) {
      const counts = Object.values(r.manifest.counts.byStageAndSplit[sp] ?? {});
      if (counts.length) expect(new Set(counts).size, sp).toBe(1);
    }
    const ds = await readDataset(out);
    const plan = planAugmentation(ds.items, { balance: 'largest' });
    // Train only by default: every planned source is in train.
    expect(plan.every((p) => p.source.split === 'train')).toBe(true);
  });

  it('refuses to augment a dataset without a train split unless --all-splits', async () => {
    const root = await tempDir();
    const from = path.join(root, 'ph');
    await makePhantomDir(from, 2, () => 1, { views: ['posterior'] });
    const out = path.join(root, 'ds');
    await importPhantoms({ from, out });
    await expect(augmentDataset({ data: out, seed: 1 })).rejects.toThrow(/run `rop dataset split` first/);
    const r = await augmentDataset({ data: out, seed: 1, allSplits: true });
    expect(r.added).toBe(4 * 4);
    expect(r.manifest.counts.bySplit.unassigned).toBe(20);
  });
});
