import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
  existsSync,
  readdirSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { writeDicom } from '@ropline/dicom';
import { createImageDataset } from '@ropline/dicom/testing';
import { decodeImageBytes, encodePng, preprocess } from '@ropline/preprocess';
import { makeFundusLike } from '@ropline/testing';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../bin/rop.mjs');
const dir = mkdtempSync(path.join(tmpdir(), 'rop-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function rop(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A 5x4 RGB DICOM whose patient attributes must never appear in CLI output. */
function rgbFixture(): { file: string; pixels: Uint8Array } {
  const pixels = new Uint8Array(5 * 4 * 3).map((_, i) => (i * 37) % 256);
  const ds = createImageDataset({
    rows: 4,
    columns: 5,
    samplesPerPixel: 3,
    pixelData: pixels,
    extra: {
      PatientName: 'Secret^Patient',
      PatientID: 'PID-777',
      AccessionNumber: 'ACC-9',
      ImageLaterality: 'L',
    },
  });
  const file = path.join(dir, 'rgb.dcm');
  writeFileSync(file, writeDicom(ds));
  return { file, pixels };
}

describe('rop CLI', () => {
  it('prints help for every command and exits 0', () => {
    const top = rop('--help');
    expect(top.code).toBe(0);
    for (const cmd of [
      'dicom',
      'preprocess',
      'analyze',
      'segment',
      'phantoms',
      'dataset',
      'bench',
      'demo',
      'gateway',
      'send',
      'train',
      'evaluate',
      'experiment',
      'metrics',
      'models',
    ]) {
      expect(top.stdout).toContain(cmd);
    }
    const commands = [
      ['dicom', 'info'],
      ['dicom', 'decode'],
      ['preprocess'],
      ['analyze'],
      ['segment'],
      ['phantoms'],
      ['dataset', 'import-via'],
      ['dataset', 'import-masks'],
      ['dataset', 'import-phantoms'],
      ['dataset', 'split'],
      ['dataset', 'augment'],
      ['bench', 'preprocess'],
      ['bench', 'inference'],
      ['bench', 'train'],
      ['demo'],
      ['gateway'],
      ['send'],
    ];
    for (const args of commands) {
      const r = rop(...args, '--help');
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout).toMatch(/^Usage: rop /);
    }
  });

  it('every npm script that runs rop names a real command', () => {
    const pkg = JSON.parse(readFileSync(path.resolve(path.dirname(BIN), '../../../package.json'), 'utf8'));
    const scripts = Object.entries(pkg.scripts as Record<string, string>).filter(([, cmd]) =>
      cmd.includes('rop.mjs'),
    );
    expect(scripts.map(([name]) => name)).toEqual(expect.arrayContaining(['start', 'bench:preprocess']));
    for (const [name, cmd] of scripts) {
      const args = cmd.split('rop.mjs')[1].trim().split(/\s+/).filter(Boolean);
      const r = rop(...args, '--help');
      expect(r.code, `npm run ${name}: rop ${args.join(' ')}`).toBe(0);
    }
  });

  it('dicom info prints a PHI-free JSON summary', () => {
    const { file } = rgbFixture();
    const r = rop('dicom', 'info', file);
    expect(r.code).toBe(0);
    const info = JSON.parse(r.stdout);
    expect(info).toMatchObject({
      rows: 4,
      columns: 5,
      photometric: 'RGB',
      samplesPerPixel: 3,
      laterality: 'L',
    });
    expect(info.transferSyntaxUid).toBe('1.2.840.10008.1.2.1');
    for (const secret of ['Secret', 'PID-777', 'ACC-9']) expect(r.stdout).not.toContain(secret);
  });

  it('dicom decode writes the exact pixels as PNG', () => {
    const { file, pixels } = rgbFixture();
    const out = path.join(dir, 'decoded.png');
    const r = rop('dicom', 'decode', file, '--out', out);
    expect(r.code).toBe(0);
    const png = decodeImageBytes(new Uint8Array(readFileSync(out)));
    expect([png.width, png.height, png.channels]).toEqual([5, 4, 3]);
    expect(Array.from(png.data)).toEqual(Array.from(pixels));
  });

  it('bad input exits 2 with one line naming the stable code, and writes nothing', () => {
    const garbage = path.join(dir, 'garbage.dcm');
    writeFileSync(garbage, Buffer.from('this is not a DICOM file at all'.repeat(10)));
    const out = path.join(dir, 'never.png');
    const cases = [
      rop('dicom', 'decode', garbage, '--out', out),
      rop('dicom', 'info', path.join(dir, 'missing.dcm')),
      rop('dicom', 'decode', rgbFixture().file, '--out', out, '--frame', '3'),
      rop('preprocess', garbage.replace('.dcm', '.png'), '--out', out),
    ];
    for (const r of cases) {
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^rop: [A-Z]+\.[A-Z_]+: /);
    }
    expect(cases[0].stderr).toMatch(/^rop: DICOM\./);
    expect(cases[1].stderr).toMatch(/^rop: IO\.NOT_FOUND/);
    expect(cases[2].stderr).toMatch(/^rop: DICOM\.FRAME_OUT_OF_RANGE/);
    expect(existsSync(out)).toBe(false);
  });

  it('usage errors exit 2', () => {
    const r = rop('preprocess', 'x.png', '--out', 'y.png', '--tiles', '0x3');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('expected a grid like 8x8');
  });

  it('preprocess writes what the library computes, for PNG and DICOM input alike', () => {
    const img = makeFundusLike(64, 48, 3);
    const pngIn = path.join(dir, 'fundus.png');
    writeFileSync(pngIn, encodePng(img));
    const dcmIn = path.join(dir, 'fundus.dcm');
    writeFileSync(
      dcmIn,
      writeDicom(createImageDataset({ rows: 48, columns: 64, samplesPerPixel: 3, pixelData: img.data })),
    );
    const expected = preprocess(img, {
      steps: ['gray', 'equalize', 'clahe', 'resize'],
      clahe: { clipLimit: 3, tilesX: 4, tilesY: 2 },
      resize: { width: 32, height: 24 },
    });
    for (const input of [pngIn, dcmIn]) {
      const out = path.join(dir, `pre-${path.basename(input)}.png`);
      const r = rop('preprocess', input, '--out', out, '--clip', '3', '--tiles', '4x2', '--size', '32x24');
      expect(r.code, r.stderr).toBe(0);
      const got = decodeImageBytes(new Uint8Array(readFileSync(out)));
      expect([got.width, got.height, got.channels]).toEqual([32, 24, 1]);
      expect(Buffer.from(got.data).equals(Buffer.from(expected.data))).toBe(true);
    }
  });

  it('demo runs end to end: preprocessing, staging with the demo model, registration (idempotent)', () => {
    const out = path.join(dir, 'demo');
    // Embedded Postgres runs as the 'postgres' user: its data dir's parents must be traversable.
    chmodSync(dir, 0o755);
    const state = path.join(dir, 'state');
    const r = rop('demo', '--out', out, '--seed', '2', '--data-dir', state);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /demo model \(rop-demo-line \S+ \+ rop-demo-hybrid-classifier \S+\): stage[0-3] \(stage0 [\d.]+, stage1 [\d.]+, stage2 [\d.]+, stage3 [\d.]+\)/,
    );
    const reg = /registry: pipeline rop-demo-hybrid@(\S+) registered; active: (\S+)/.exec(r.stdout);
    expect(reg?.[2]).toBe(reg?.[1]);
    const again = rop('demo', '--out', out, '--seed', '2', '--data-dir', state);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain(
      `registry: pipeline rop-demo-hybrid@${reg?.[1]} registered; active: ${reg?.[1]}`,
    );
    const mask = decodeImageBytes(new Uint8Array(readFileSync(path.join(out, '6-line-mask.png'))));
    expect([mask.width, mask.height, mask.channels]).toEqual([1600, 1200, 1]);
    expect(readdirSync(out).sort()).toEqual(
      [
        '1-decoded.png',
        '2-gray.png',
        '3-equalized.png',
        '4-clahe.png',
        '5-model-input.png',
        '6-line-mask.png',
        'fov-mask.png',
        'input.dcm',
      ].sort(),
    );
    const model = decodeImageBytes(new Uint8Array(readFileSync(path.join(out, '5-model-input.png'))));
    expect([model.width, model.height, model.channels]).toEqual([299, 299, 1]);
    const m = /standardized mean (-?[\d.]+) std ([\d.]+)/.exec(r.stdout);
    expect(Number(m?.[1])).toBeCloseTo(0, 4);
    expect(Number(m?.[2])).toBeCloseTo(1, 3);
    expect(r.stdout).not.toContain('DEMO^SYNTHETIC');
  }, 300_000);
});
