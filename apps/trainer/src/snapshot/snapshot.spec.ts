import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetStaging, createMask, fillRect, readDataset, verifyDataset } from '@ropline/datasets';
import { openDatabase, type Database } from '@ropline/db';
import { readDicom } from '@ropline/dicom';
import { decodeImageBytes, encodePng } from '@ropline/preprocess';
import { createSnapshot } from './snapshot.js';
import type { ProvenanceRecord } from './snapshot.types.js';
import {
  H,
  MemoryBlobs,
  PLANTED,
  T,
  W,
  fundus,
  label,
  seedStudies,
  type Seeded,
} from './snapshot.fixtures.js';

const SALT = 'spec-salt-4f1c2a';
const ctx = { log: () => undefined };

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

function provenance(dir: string): ProvenanceRecord[] {
  return readFileSync(path.join(dir, 'provenance.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as ProvenanceRecord);
}

describe('createSnapshot (real embedded Postgres)', () => {
  const tmp = mkdtempSync(path.join(tmpdir(), 'rop-snapshot-'));
  chmodSync(tmp, 0o755);
  const blobs = new MemoryBlobs();
  let db: Database;
  let s: Seeded;
  const ids: Record<string, bigint> = {};
  const snap = (out: string, extra: Partial<Parameters<typeof createSnapshot>[0]> = {}) =>
    createSnapshot({ db, readBlob: blobs.get, out: path.join(tmp, out), salt: SALT, now: T(9), ...extra });

  beforeAll(async () => {
    db = await openDatabase({ dataDir: path.join(tmp, 'db') }, ctx);
    s = await seedStudies(db, blobs, '7001');
    const img = (name: string, study: 'a' | 'b') => ({
      scope: 'image' as const,
      instanceId: s.inst[name],
      studyInstanceUid: s.studies[study],
      analysisId: s.analysis[study],
      laterality: name === 'A3' || name === 'A4' ? 'L' : 'R',
    });
    await label(db, { ...img('A1', 'a'), kind: 'stage', stage: 'stage1', agreesWithModel: true, at: T(1) });
    ids.a1 = (
      await label(db, { ...img('A1', 'a'), kind: 'stage', stage: 'stage2', agreesWithModel: false, at: T(3) })
    ).id;
    await label(db, { ...img('A2', 'a'), kind: 'stage', stage: 'stage3', at: T(1) });
    ids.a2line = (
      await label(db, {
        ...img('A2', 'a'),
        kind: 'line',
        line: [
          [
            [5, 5],
            [30, 5],
          ],
        ],
        at: T(2),
      })
    ).id;
    await label(db, {
      scope: 'eye',
      studyInstanceUid: s.studies.a,
      laterality: 'L',
      kind: 'stage',
      stage: 'stage0',
      analysisId: s.analysis.a,
      at: T(2),
    });
    for (const [u, at] of [
      [true, 1],
      [false, 2],
      [true, 4],
    ] as const)
      await label(db, { ...img('A4', 'a'), kind: 'ungradable', ungradable: u, at: T(at) });
    for (const [u, at] of [
      [true, 1],
      [false, 3],
    ] as const)
      await label(db, { ...img('A3', 'a'), kind: 'ungradable', ungradable: u, at: T(at) });
    await label(db, {
      scope: 'eye',
      studyInstanceUid: s.studies.b,
      laterality: 'R',
      kind: 'stage',
      stage: 'stage3',
      analysisId: s.analysis.b,
      at: T(5),
    });
    await label(db, {
      ...img('B1', 'b'),
      kind: 'line',
      line: [
        [
          [2, 2],
          [2, 20],
          [20, 20],
        ],
      ],
      at: T(5),
    });
  }, 120_000);
  afterAll(async () => {
    await db?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('writes every confirmed, gradable image with its latest stage and the mask source counts', async () => {
    const r = await snap('all');
    expect([r.images, r.byStage, r.excludedUngradable]).toEqual([5, { '0': 1, '2': 1, '3': 3 }, 1]);
    expect([r.clinicianLines, r.modelLines, r.noMask, r.included]).toEqual([2, 1, 1, 0]);
    expect(r.hash).toMatch(/^[0-9a-f]{64}$/);
    const v = await verifyDataset(r.out);
    expect([v.ok, v.problems, v.hash]).toEqual([true, [], r.hash]);
    const { manifest, items } = await readDataset(r.out);
    expect(manifest.task).toBe('classification+segmentation');
    expect(manifest.source.kind).toBe('snapshot');
    for (const it of items) {
      expect(it.id).toMatch(/^img-[0-9a-f]{16}$/);
      expect(it.infant).toMatch(/^inf-[0-9a-f]{16}$/);
      const png = decodeImageBytes(readFileSync(path.join(r.out, it.image)));
      expect([png.width, png.height, png.channels]).toEqual([W, H, 3]);
    }
    expect(new Set(items.map((i) => i.infant)).size).toBe(2);
    expect(items.map((i) => i.eye).sort()).toEqual(['L', 'R', 'R', 'R', 'R']);
  });

  it('latest label wins, history and who/when/model version are in the provenance', async () => {
    const out = path.join(tmp, 'all');
    const prov = provenance(out);
    const { items } = await readDataset(out);
    const byStageSource = prov.map((p) => `${p.stage}:${p.maskSource}`).sort();
    expect(byStageSource).toEqual(['0:none', '2:model', '3:clinician', '3:clinician', '3:none']);
    const a1 = prov.find((p) => p.maskSource === 'model')!;
    expect(a1.stageLabel).toMatchObject({
      id: ids.a1.toString(),
      actor: 'dr.reviewer',
      agreesWithModel: false,
    });
    expect(a1.stageLabel!.at).toBe(T(3).toISOString());
    expect(a1.history!.map((h) => h.kind)).toEqual(['stage', 'stage']);
    expect([a1.maskAnalysisId, a1.maskModelVersion]).toEqual([s.analysis.a, '1.2.3']);
    // The accepted model line is the model's mask: rows 20..22, columns 4..35.
    const item = items.find((i) => i.id === a1.id)!;
    const m = decodeImageBytes(readFileSync(path.join(out, item.mask)));
    expect([m.data[21 * W + 10], m.data[10 * W + 10]]).toEqual([255, 0]);
    const a2 = prov.find((p) => p.lineLabel?.id === ids.a2line.toString())!;
    expect(a2.stageLabel?.scope).toBe('image');
    const a2mask = decodeImageBytes(readFileSync(path.join(out, items.find((i) => i.id === a2.id)!.mask)));
    // Stroke of (5,5)-(30,5): pixel (10,5) on, (10,15) and (40-1,5) off.
    expect([a2mask.data[5 * W + 10], a2mask.data[15 * W + 10], a2mask.data[5 * W + 39]]).toEqual([255, 0, 0]);
    const a3 = prov.find((p) => p.stage === 0)!;
    expect([a3.stageLabel?.scope, a3.history!.map((h) => h.kind)]).toEqual([
      'eye',
      ['ungradable', 'stage', 'ungradable'],
    ]);
    const a3mask = decodeImageBytes(readFileSync(path.join(out, items.find((i) => i.id === a3.id)!.mask)));
    expect(a3mask.data.every((v) => v === 0)).toBe(true);
    const b2 = prov.find((p) => p.stage === 3 && p.maskSource === 'none')!;
    expect(items.find((i) => i.id === b2.id)!.mask).toBe('');
    expect(b2.stageLabel?.scope).toBe('eye');
  });

  it('writes de-identified DICOM copies with the infant pseudonym and the original pixels', async () => {
    const out = path.join(tmp, 'all');
    const prov = provenance(out);
    const { items } = await readDataset(out);
    const files = readdirSync(path.join(out, 'dicom'));
    expect(files).toHaveLength(5);
    for (const p of prov) {
      const ds = readDicom(readFileSync(path.join(out, p.dicom!)));
      const it = items.find((i) => i.id === p.id)!;
      expect(ds.string('PatientID')).toBe(it.infant);
      expect(ds.string('PatientIdentityRemoved')).toBe('YES');
      expect(ds.string('StudyInstanceUID')).toMatch(/^2\.25\./);
      const pd = ds.pixelData;
      expect(pd && !pd.encapsulated && pd.bytes.length).toBe(W * H * 3);
    }
    const first = readDicom(readFileSync(path.join(out, prov[0].dicom!)));
    const pd = first.pixelData!;
    const candidates = [1, 2, 3, 4].map((n) => Buffer.from(fundus(n)));
    expect(!pd.encapsulated && candidates.some((c) => c.equals(Buffer.from(pd.bytes)))).toBe(true);
  });

  it('leaves no planted patient identifier nor original UID in any file of the snapshot', () => {
    const out = path.join(tmp, 'all');
    const files = walk(out);
    expect(files.length).toBeGreaterThan(15);
    const needles = [...PLANTED, s.studies.a, s.studies.b, ...Object.values(s.inst)];
    for (const f of files) {
      const bytes = readFileSync(f);
      for (const n of needles)
        expect([path.relative(out, f), n, bytes.includes(n)]).toEqual([path.relative(out, f), n, false]);
    }
    // The needles do occur in the sources: the check can fail.
    expect([...blobs.map.values()].some((b) => b.includes(PLANTED[0]))).toBe(true);
  });

  it('is reproducible: same inputs -> same hash, same items.csv and DICOM copies', async () => {
    const r = await snap('again');
    const a = path.join(tmp, 'all');
    expect(r.hash).toBe((await readDataset(a)).manifest.hash);
    expect(readFileSync(path.join(r.out, 'items.csv'))).toEqual(readFileSync(path.join(a, 'items.csv')));
    expect(readFileSync(path.join(r.out, 'provenance.jsonl'))).toEqual(
      readFileSync(path.join(a, 'provenance.jsonl')),
    );
    expect(readdirSync(path.join(r.out, 'dicom'))).toEqual(readdirSync(path.join(a, 'dicom')));
    const other = await snap('other-salt', { salt: 'another-salt' });
    expect(other.hash).not.toBe(r.hash);
  });

  it('since: only images whose deciding labels are that recent', async () => {
    const r = await snap('since', { since: T(5) });
    expect([r.images, r.byStage, r.excludedUngradable]).toEqual([2, { '3': 2 }, 0]);
    const r4 = await snap('since4', { since: T(4) });
    expect([r4.images, r4.excludedUngradable]).toEqual([2, 1]);
  });

  it('include: carries the items of an existing dataset with provenance "included"', async () => {
    const phDir = path.join(tmp, 'phantoms');
    const st = await DatasetStaging.create(phDir, false);
    const mask = createMask(W, H);
    fillRect(mask, 3, 3, 10, 2);
    await st.addNew(
      { stem: 'phantom-1', infant: 'ph-inf-1', eye: 'R', view: '', stage: 1, split: '', augmented_from: '' },
      encodePng({ data: fundus(9), width: W, height: H, channels: 3 }),
      mask,
    );
    const ph = await st.commit({
      name: 'phantoms',
      source: { kind: 'phantoms', params: {} },
      skipped: [],
      warnings: [],
      history: [],
    });
    const r = await snap('with-include', { include: phDir, since: T(5) });
    expect([r.images, r.included, r.byStage]).toEqual([3, 1, { '1': 1, '3': 2 }]);
    const inc = provenance(r.out).find((p) => p.source === 'included')!;
    expect(inc).toEqual({
      id: 'phantom-1',
      source: 'included',
      stage: 1,
      maskSource: 'dataset',
      includedFrom: { name: 'phantoms', hash: ph.hash },
    });
    expect((await verifyDataset(r.out)).ok).toBe(true);
  });

  it('fails atomically: an error mid-way leaves neither the snapshot nor a staging folder', async () => {
    const failing = async (sha: string) => {
      const b = await blobs.get(sha);
      if (b[0] === 0x89) throw new Error('disk gone'); // the model mask PNG
      return b;
    };
    await expect(snap('broken', { readBlob: failing })).rejects.toThrow('disk gone');
    expect(readdirSync(tmp).filter((n) => n.includes('broken'))).toEqual([]);
  });

  it('nothing to snapshot -> DATASET.EMPTY, nothing written', async () => {
    await expect(snap('empty', { since: T(30) })).rejects.toMatchObject({ code: 'DATASET.EMPTY' });
    expect(readdirSync(tmp).filter((n) => n.includes('empty'))).toEqual([]);
  });
});
