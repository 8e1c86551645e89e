import { readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyDataset } from '@ropline/datasets';
import { openDatabase, type Database } from '@ropline/db';
import { writeDicom } from '@ropline/dicom';
import { createImageDataset } from '@ropline/dicom/testing';
import { LocalBlobStore } from '@ropline/gateway';
import { rop, tempDir } from './gateway.test-util.js';

const OP = '1.2.840.10008.5.1.4.1.1.77.1.5.1';
const STUDY = '2.25.880011';
const PLANTED = ['Clitest^Plantedbaby', 'MRN-CLI-PLANT-9', '20250909', 'ACC-CLI-PLANT'];

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

describe('rop dataset snapshot (real embedded Postgres, local blob store)', () => {
  const dir = tempDir('rop-snapshot-cli-');
  const dataDir = path.join(dir, 'var');
  let db: Database;
  const cli = (args: string[]) =>
    rop(['dataset', 'snapshot', ...args, '--data-dir', dataDir, '--database-url', db.url]);

  beforeAll(async () => {
    db = await openDatabase({ dataDir: path.join(dir, 'db') }, { log: () => undefined });
    const blobs = new LocalBlobStore(path.join(dataDir, 'blobs'));
    await blobs.start();
    const bytes = writeDicom(
      createImageDataset({
        rows: 24,
        columns: 30,
        samplesPerPixel: 3,
        pixelData: Uint8Array.from({ length: 24 * 30 * 3 }, (_, i) => i % 253),
        sopClassUid: OP,
        extra: {
          PatientName: PLANTED[0],
          PatientID: PLANTED[1],
          PatientBirthDate: PLANTED[2],
          AccessionNumber: PLANTED[3],
          StudyInstanceUID: STUDY,
          SeriesInstanceUID: `${STUDY}.1`,
          SOPInstanceUID: `${STUDY}.1.1`,
          Modality: 'OP',
          ImageLaterality: 'L',
        },
      }),
    );
    const blob = await blobs.put(bytes);
    const study = await db.prisma.study.create({ data: { studyInstanceUid: STUDY } });
    const series = await db.prisma.series.create({
      data: { seriesInstanceUid: `${STUDY}.1`, studyId: study.id },
    });
    const inst = await db.prisma.instance.create({
      data: {
        sopInstanceUid: `${STUDY}.1.1`,
        sopClassUid: OP,
        seriesId: series.id,
        transferSyntaxUid: '1.2.840.10008.1.2.1',
        laterality: 'L',
        rows: 24,
        columns: 30,
        blobSha256: blob.sha256,
        byteSize: BigInt(bytes.length),
        source: 'stow',
      },
    });
    const base = {
      studyInstanceUid: STUDY,
      laterality: 'L',
      actor: 'dr.cli',
      at: new Date('2026-02-01T10:00:00Z'),
    };
    await db.prisma.confirmedLabel.create({
      data: { ...base, scope: 'eye', kind: 'stage', stage: 'stage2' },
    });
    await db.prisma.confirmedLabel.create({
      data: {
        ...base,
        scope: 'image',
        kind: 'line',
        instanceId: inst.id,
        line: [
          [
            [3, 3],
            [20, 12],
          ],
        ],
      },
    });
  }, 120_000);
  afterAll(async () => {
    await db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes the snapshot, creates the pseudonym key 0600, prints one summary line', async () => {
    const out = path.join(dir, 'snap1');
    const r = cli(['--out', out]);
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toMatch(
      /: snapshot 1 images \(stage 2: 1\), masks 1 clinician \/ 0 model \/ 0 none, 0 ungradable excluded, 0 included, 0 skipped, hash [0-9a-f]{16}\n$/,
    );
    const key = path.join(dataDir, 'secrets', 'pseudonym.key');
    expect([readFileSync(key).length, statSync(key).mode & 0o777]).toEqual([32, 0o600]);
    expect((await verifyDataset(out)).ok).toBe(true);
    for (const f of walk(out))
      for (const s of [...PLANTED, STUDY]) expect([f, s, readFileSync(f).includes(s)]).toEqual([f, s, false]);
  });

  it('the same key gives the same snapshot hash; --since filters; an existing --out needs --force', () => {
    const first = /hash ([0-9a-f]{16})/.exec(cli(['--out', path.join(dir, 'snap2')]).stdout)?.[1];
    const again = /hash ([0-9a-f]{16})/.exec(cli(['--out', path.join(dir, 'snap3')]).stdout)?.[1];
    expect(first).toMatch(/^[0-9a-f]{16}$/);
    expect(again).toBe(first);
    const late = cli(['--out', path.join(dir, 'snap4'), '--since', '2026-03-01']);
    expect([late.code, late.stderr.trim()]).toEqual([
      2,
      'rop: DATASET.EMPTY: nothing to snapshot: no confirmed, gradable image matched',
    ]);
    const exists = cli(['--out', path.join(dir, 'snap2')]);
    expect([exists.code, exists.stderr]).toEqual([2, expect.stringMatching(/^rop: DATASET.EXISTS: .*\n$/)]);
    expect(cli(['--out', path.join(dir, 'snap2'), '--force']).code).toBe(0);
  });

  it('bad input: one line, exit 2; --help documents the options', () => {
    const bad = cli(['--out', path.join(dir, 'snap5'), '--since', 'yesterday']);
    expect([bad.code, bad.stderr.trim().split('\n')]).toEqual([
      2,
      [expect.stringMatching(/^rop: CLI.BAD_ARGUMENT: --since: expected an ISO 8601 date/)],
    ]);
    const inc = cli(['--out', path.join(dir, 'snap6'), '--include', path.join(dir, 'nope')]);
    expect([inc.code, inc.stderr.trim().split('\n')]).toEqual([
      2,
      [expect.stringMatching(/^rop: DATASET.INVALID: /)],
    ]);
    const h = rop(['dataset', 'snapshot', '--help']);
    expect([h.code, h.stdout]).toEqual([
      0,
      expect.stringMatching(/--since <date>[\s\S]*--include <dataset>[\s\S]*--database-url/),
    ]);
  });
});
