import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../bin/rop.mjs');
const dir = mkdtempSync(path.join(tmpdir(), 'rop-metrics-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function rop(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function file(name: string, text: string): string {
  const p = path.join(dir, name);
  mkdirSync(path.dirname(p), { recursive: true });
  writeFileSync(p, text);
  return p;
}

// Truth 0 1 2 1, prediction 0 1 1 1 (rows in another order: joined by id):
//   confusion [[1,0,0],[0,2,0],[0,1,0]]; accuracy 3/4; class 1: P 2/3 R 1 F1 0.8; class 2: 0/0 -> 0.
//   kappa: po 12/16, pe (1*1 + 2*3 + 1*0)/16 = 7/16 -> (5/16)/(9/16) = 5/9.
//   Scores rank every class's positives first -> OvR AUC 1 for each class.
const truthCsv = file('truth.csv', 'id,label\nimg1,0\nimg2,1\nimg3,2\nimg4,1\n');
const predCsv = file(
  'pred.csv',
  'id,label,0,1,2\nimg4,1,0.3,0.6,0.1\nimg1,0,0.8,0.1,0.1\nimg2,1,0.2,0.7,0.1\nimg3,1,0.1,0.5,0.4\n',
);

describe('rop metrics classification', () => {
  it('prints the report as JSON, with AUC from the score columns', () => {
    const r = rop('metrics', 'classification', '--truth', truthCsv, '--pred', predCsv, '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.accuracy).toBe(0.75);
    expect(out.perClass['1']).toEqual({ precision: 2 / 3, recall: 1, f1: 0.8, support: 2 });
    expect(out.perClass['2']).toEqual({ precision: 0, recall: 0, f1: 0, support: 1 });
    expect(out.kappa.none).toBeCloseTo(5 / 9, 12);
    expect(out.confusion).toEqual({
      labels: ['0', '1', '2'],
      matrix: [
        [1, 0, 0],
        [0, 2, 0],
        [0, 1, 0],
      ],
    });
    expect(out.auc).toEqual({ perClass: { 0: 1, 1: 1, 2: 1 }, macro: 1 });
    expect(Object.keys(out)).toEqual([
      'accuracy',
      'perClass',
      'macro',
      'weighted',
      'kappa',
      'confusion',
      'auc',
    ]);
  });

  it('prints readable tables without --json, and no auc without score columns', () => {
    const plain = file('pred-plain.csv', 'id,label\nimg1,0\nimg2,1\nimg3,1\nimg4,1\n');
    const r = rop('metrics', 'classification', '--truth', truthCsv, '--pred', plain);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('accuracy 0.7500 (n = 4)');
    expect(r.stdout).toContain('| 1 | 0.6667 | 1.0000 | 0.8000 | 2 |');
    expect(r.stdout).toContain('| 2 | 0 | 1 | 0 |');
    expect(r.stdout).not.toContain('AUC');
    const json = JSON.parse(
      rop('metrics', 'classification', '--truth', truthCsv, '--pred', plain, '--json').stdout,
    );
    expect(json.auc).toBeUndefined();
  });

  it.each([
    ['a missing id', 'id,label\nimg1,0\nimg2,1\nimg3,1\n', /1 id\(s\) without a prediction: img4/],
    ['an extra id', 'id,label\nimg1,0\nimg2,1\nimg3,1\nimg4,1\nimg9,1\n', /not in the truth: img9/],
    ['a bad score', 'id,label,0,1,2\nimg1,0,x,0,0\nimg2,1,0,1,0\nimg3,1,0,1,0\nimg4,1,0,1,0\n', /score "x"/],
    [
      'an unknown label',
      'id,label,0,1\nimg1,0,1,0\nimg2,1,0,1\nimg3,1,0,1\nimg4,1,0,1\n',
      /unknown label "2"/,
    ],
  ])('exits 2 with one clear line on %s', (_name, text, message) => {
    const r = rop('metrics', 'classification', '--truth', truthCsv, '--pred', file('bad.csv', text));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^rop: METRICS\.INVALID_INPUT: /);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('rop metrics detection', () => {
  // ridge: truth in a and b; a has a TP (0.9) and a duplicate FP (0.8); b has no prediction file
  // -> precision 1 .5, recall .5 .5 -> AP .5; "demarcation line" (a class name with a space) in b,
  // never detected -> AP 0; mAP .25. At IoU 0.5 the half-overlap in c counts, at 0.6 it does not.
  const gt = path.join(dir, 'gt');
  const dr = path.join(dir, 'dr');
  file('gt/a.txt', 'ridge 0 0 9 9\n');
  file('gt/b.txt', 'ridge 0 0 9 9\ndemarcation line 20 20 29 29\n');
  file('gt/c.txt', 'ridge 0 0 9 9\n');
  file('dr/a.txt', 'ridge 0.9 0 0 9 9\nridge 0.8 0 0 9 9\n');
  file('dr/c.txt', 'ridge 0.7 0 0 9 4\n');

  it('reports AP per class and mAP as JSON (Cartucho rules, +1 pixel boxes)', () => {
    // Sorted: TP(a) FP(a dup) TP(c, IoU 50/100) -> P 1 .5 2/3, R 1/3 1/3 2/3 -> AP 1/3 + 1/3 * 2/3.
    const r = rop('metrics', 'detection', '--truth', gt, '--pred', dr, '--json');
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout);
    expect(out.ap.ridge).toBeCloseTo(1 / 3 + 2 / 9, 12);
    expect(out.ap['demarcation line']).toBe(0);
    expect(out.mAP).toBeCloseTo((1 / 3 + 2 / 9) / 2, 12);
    const strict = JSON.parse(
      rop('metrics', 'detection', '--truth', gt, '--pred', dr, '--iou', '0.6', '--json').stdout,
    );
    expect(strict.ap.ridge).toBeCloseTo(1 / 3, 12);
  });

  it('prints a table without --json', () => {
    const r = rop('metrics', 'detection', '--truth', gt, '--pred', dr);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('| ridge | 0.5556 | 3 | 2 | 1 |');
    expect(r.stdout).toContain('| mAP | 0.2778 |');
  });

  it('exits 2 on a prediction for an unknown image, a bad line or a bad --iou', () => {
    const orphanDir = path.join(dir, 'dr-orphan');
    file('dr-orphan/zzz.txt', 'ridge 0.5 0 0 1 1\n');
    const orphan = rop('metrics', 'detection', '--truth', gt, '--pred', orphanDir);
    expect(orphan.code).toBe(2);
    expect(orphan.stderr).toMatch(/without a ground-truth file: zzz/);
    file('dr-bad/a.txt', 'ridge 0.5 0 0 1\n');
    const badLine = rop('metrics', 'detection', '--truth', gt, '--pred', path.join(dir, 'dr-bad'));
    expect(badLine.code).toBe(2);
    expect(badLine.stderr).toMatch(/a\.txt:1/);
    expect(rop('metrics', 'detection', '--truth', gt, '--pred', dr, '--iou', '1.5').code).toBe(2);
  });
});
