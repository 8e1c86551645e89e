import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeFrame, readDicom, summarize } from '@ropline/dicom';
import { decodeImageBytes } from '@ropline/preprocess';
import { DEVICES, VIEWS, type Stage } from './eye.model.js';
import { binaryMask, lineMetrics } from './mask-metrics.js';
import {
  MANIFEST_HEADER,
  generatePhantoms,
  noisyStage,
  renderPlannedView,
  type EyePlan,
  type PhantomSummary,
} from './phantom.generator.js';
import { pointInPolygon, type ViaProject } from './via.format.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const SIZE: [number, number] = [320, 240];
const tmp = mkdtempSync(path.join(tmpdir(), 'ropline-phantom-'));
const A = path.join(tmp, 'a');
let summary: PhantomSummary;

function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => path.relative(dir, path.join(d.parentPath, d.name)))
    .sort();
}

function plan(stage: Stage, infantIndex: number, eye: 'OD' | 'OS' = 'OD'): EyePlan {
  return {
    infant: `inf${infantIndex}`,
    infantIndex,
    eye,
    stage,
    device: DEVICES[0],
    sex: 'F',
    birthDate: '20250101',
    studyDate: '20250201',
  };
}

beforeAll(async () => {
  summary = await generatePhantoms({
    out: A,
    infants: 3,
    seed: 11,
    dicom: true,
    size: SIZE,
    difficulty: 0.3,
  });
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('determinism', () => {
  it('the same seed writes byte-identical images, masks, VIA, manifest and DICOM', async () => {
    const B = path.join(tmp, 'b');
    await generatePhantoms({ out: B, infants: 3, seed: 11, dicom: true, size: SIZE, difficulty: 0.3 });
    const files = listFiles(A);
    expect(listFiles(B)).toEqual(files);
    expect(files.length).toBe(3 * 10 * 3 + 3);
    for (const f of files)
      expect(readFileSync(path.join(B, f)).equals(readFileSync(path.join(A, f))), f).toBe(true);
  });

  it('another seed gives other images', async () => {
    const C = path.join(tmp, 'c');
    await generatePhantoms({ out: C, infants: 1, seed: 12, size: SIZE });
    const f = 'images/inf0001_OD_posterior.jpg';
    expect(readFileSync(path.join(C, f)).equals(readFileSync(path.join(A, f)))).toBe(false);
  });
});

describe('stage anatomy', () => {
  const size: [number, number] = [400, 300];
  it('stage 0: no line in any view', () => {
    for (const k of [1, 2]) {
      for (const view of VIEWS) {
        const r = renderPlannedView(5, plan(0, k), view, 0.3, size);
        expect(r.linePixels).toBe(0);
        expect(r.mask.data.every((v) => v === 0)).toBe(true);
        expect(r.polygons).toEqual([]);
      }
    }
  });

  it('stage 1-3: the temporal view always shows the line; widths grow from stage 1 to 2 to 3', () => {
    const widths: Record<number, number[]> = { 1: [], 2: [], 3: [] };
    for (const stage of [1, 2, 3] as Stage[]) {
      for (const k of [1, 2, 3]) {
        for (const eye of ['OD', 'OS'] as const) {
          const r = renderPlannedView(5, plan(stage, k, eye), 'temporal', 0.3, size);
          expect(r.linePixels, `stage ${stage} infant ${k} ${eye}`).toBeGreaterThan(0);
          expect(r.polygons.length).toBeGreaterThan(0);
          const lm = lineMetrics(binaryMask(r.mask, 0), size[0], size[1]);
          widths[stage].push(lm.width);
        }
      }
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(widths[2])).toBeGreaterThan(mean(widths[1]) * 1.3);
    expect(mean(widths[3])).toBeGreaterThan(mean(widths[2]));
  });

  it('the line is whiter than the retina just posterior to it (stage 1, clean acquisition)', () => {
    const r = renderPlannedView(5, plan(1, 1), 'temporal', 0, size);
    let inLine = 0;
    let nIn = 0;
    let rest = 0;
    let nRest = 0;
    for (let i = 0; i < size[0] * size[1]; i++) {
      const g = r.image.data[i * 3 + 1];
      if (r.mask.data[i]) {
        inLine += g;
        nIn++;
      } else if (g > 20) {
        rest += g;
        nRest++;
      }
    }
    expect(inLine / nIn).toBeGreaterThan(rest / nRest + 10);
  });
});

describe('JPEG', () => {
  it('images are baseline JPEG with 4:2:2 chroma (Y 2x1, Cb/Cr 1x1), as YBR_FULL_422 promises', () => {
    const b = readFileSync(path.join(A, 'images/inf0001_OD_posterior.jpg'));
    const sof = b.indexOf(Buffer.from([0xff, 0xc0]));
    expect(sof).toBeGreaterThan(0);
    expect([...b.subarray(sof + 9, sof + 19)]).toEqual([3, 1, 0x21, 0, 2, 0x11, 1, 3, 0x11, 1]);
  });
});

describe('label noise', () => {
  it('moves a line to a neighbouring stage 1..3 and never touches stage 0', () => {
    const rnd = () => 0;
    expect(noisyStage(0, 1, rnd)).toBe(0);
    expect(noisyStage(1, 1, rnd)).toBe(2);
    expect(noisyStage(3, 1, rnd)).toBe(2);
    expect([1, 3]).toContain(noisyStage(2, 1, rnd));
    expect(noisyStage(2, 0, rnd)).toBe(2);
  });
});

describe('manifest.csv', () => {
  it('has the contract header and one row per image with consistent fields', () => {
    const lines = readFileSync(path.join(A, 'manifest.csv'), 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe(MANIFEST_HEADER);
    expect(lines[0]).toBe('infant,eye,view,stage,true_stage,device,width,height,file,mask');
    expect(lines.length - 1).toBe(30);
    const stages = new Set<number>();
    for (const line of lines.slice(1)) {
      const [infant, eye, view, stage, trueStage, device, width, height, file, mask] = line.split(',');
      expect(infant).toMatch(/^inf\d{4}$/);
      expect(['OD', 'OS']).toContain(eye);
      expect(VIEWS).toContain(view);
      expect(DEVICES.map((d) => d.id)).toContain(device);
      expect(stage).toBe(trueStage); // no label noise here
      stages.add(Number(stage));
      expect(file).toBe(`images/${infant}_${eye}_${view}.jpg`);
      expect(mask).toBe(`masks/${infant}_${eye}_${view}.png`);
      const img = decodeImageBytes(readFileSync(path.join(A, file)));
      const m = decodeImageBytes(readFileSync(path.join(A, mask)));
      expect([img.width, img.height, img.channels]).toEqual([Number(width), Number(height), 3]);
      expect([m.width, m.height, m.channels]).toEqual([Number(width), Number(height), 1]);
      expect(m.data.every((v) => v === 0 || v === 255)).toBe(true);
      const linePx = m.data.reduce((a, v) => a + (v ? 1 : 0), 0);
      if (stage === '0') expect(linePx).toBe(0);
      else expect(linePx).toBeGreaterThan(0);
    }
    expect(stages.size).toBeGreaterThan(1);
  });

  it('label noise keeps true_stage and changes the recorded stage of lines only', async () => {
    const D = path.join(tmp, 'd');
    await generatePhantoms({ out: D, infants: 1, seed: 11, size: SIZE, labelNoise: 1 });
    const rows = readFileSync(path.join(D, 'manifest.csv'), 'utf8').trimEnd().split('\n').slice(1);
    const ref = readFileSync(path.join(A, 'manifest.csv'), 'utf8').trimEnd().split('\n').slice(1);
    expect(rows.length).toBe(10);
    rows.forEach((line, i) => {
      const c = line.split(',');
      const r = ref[i].split(',');
      expect(c[4]).toBe(r[4]);
      const s = Number(c[3]);
      const t = Number(c[4]);
      if (t === 0) expect(s).toBe(0);
      else expect(Math.abs(s - t)).toBe(1);
    });
  });
});

describe('annotations.via.json', () => {
  it('is a VIA 2 project keyed by filename+size whose polygons cover the mask pixels', () => {
    const via = JSON.parse(readFileSync(path.join(A, 'annotations.via.json'), 'utf8')) as ViaProject;
    expect(via._via_data_format_version).toMatch(/^2\./);
    const meta = via._via_img_metadata;
    expect(Object.keys(meta).length).toBe(30);
    expect(via._via_image_id_list).toEqual(Object.keys(meta));
    for (const row of summary.rows) {
      const filename = path.basename(row.file);
      const size = statSync(path.join(A, row.file)).size;
      const entry = meta[`${filename}${size}`];
      expect(entry, filename).toBeDefined();
      expect(entry.filename).toBe(filename);
      expect(entry.size).toBe(size);
      if (row.stage === 0) {
        expect(entry.regions).toEqual([]);
        continue;
      }
      expect(entry.regions.length).toBeGreaterThan(0);
      const m = decodeImageBytes(readFileSync(path.join(A, row.mask)));
      for (const reg of entry.regions) {
        expect(reg.shape_attributes.name).toBe('polygon');
        expect(reg.region_attributes.stage).toBe(String(row.stage));
        const { all_points_x: px, all_points_y: py } = reg.shape_attributes;
        expect(px.length).toBe(py.length);
        expect(px.length).toBeGreaterThanOrEqual(3);
        for (const x of px) expect(x >= 0 && x < row.width && Number.isInteger(x)).toBe(true);
        for (const y of py) expect(y >= 0 && y < row.height && Number.isInteger(y)).toBe(true);
      }
      let inside = 0;
      let total = 0;
      for (let y = 0; y < m.height; y++) {
        for (let x = 0; x < m.width; x++) {
          if (!m.data[y * m.width + x]) continue;
          total++;
          // Pixel centres; polygons are clamped to the last pixel row/column, so are the probes there.
          const cx = Math.min(x + 0.5, m.width - 1.01);
          const cy = Math.min(y + 0.5, m.height - 1.01);
          const hit = entry.regions.some((r) =>
            pointInPolygon(cx, cy, r.shape_attributes.all_points_x, r.shape_attributes.all_points_y),
          );
          if (hit) inside++;
        }
      }
      expect(inside / total, row.file).toBeGreaterThanOrEqual(0.995);
    }
  });
});

describe('DICOM Ophthalmic Photography', () => {
  it('writes one OP file per image: one study per infant, one series per eye; readable and decodable', async () => {
    expect(summary.dicomFiles.length).toBe(30);
    const studies = new Map<string, Set<string>>();
    for (const [i, rel] of summary.dicomFiles.entries()) {
      const row = summary.rows[i];
      const ds = readDicom(readFileSync(path.join(A, rel)));
      const info = summarize(ds);
      expect(info.sopClassUid).toBe('1.2.840.10008.5.1.4.1.1.77.1.5.1');
      expect(info.transferSyntaxUid).toBe('1.2.840.10008.1.2.4.50');
      expect(info.photometric).toBe('YBR_FULL_422');
      expect(info.laterality).toBe(row.eye === 'OD' ? 'R' : 'L');
      expect(JSON.stringify(ds.elements.PatientName)).toMatch(/PHANTOM\^INFANT\d{4}/);
      const study = ds.string('StudyInstanceUID') ?? '';
      const series = studies.get(study) ?? new Set<string>();
      series.add(`${ds.string('SeriesInstanceUID')}:${row.eye}`);
      studies.set(study, series);
      if (i % 5 === 0) {
        const img = await decodeFrame(ds, 0);
        expect([img.width, img.height, img.channels]).toEqual([row.width, row.height, 3]);
        // The DICOM frame is the same JPEG as images/*.jpg: same decoded pixels (within codec rounding).
        const jpg = decodeImageBytes(readFileSync(path.join(A, row.file)));
        let diff = 0;
        for (let k = 0; k < img.data.length; k++) diff += Math.abs(img.data[k] - jpg.data[k]);
        expect(diff / img.data.length).toBeLessThan(2);
      }
    }
    expect(studies.size).toBe(3);
    for (const s of studies.values()) expect(s.size).toBe(2);
  });

  it('passes dciodvfy with no errors', () => {
    const which = spawnSync('which', ['dciodvfy']);
    if (which.status !== 0) {
      console.warn('SKIPPED: dciodvfy (Debian dicom3tools) is not installed; the OP IOD was not validated');
      return;
    }
    for (const rel of summary.dicomFiles) {
      const r = spawnSync('dciodvfy', [path.join(A, rel)], { encoding: 'utf8' });
      const text = `${r.stdout}${r.stderr}`;
      const errors = text.split('\n').filter((l) => l.startsWith('Error'));
      expect(errors, `${rel}\n${text}`).toEqual([]);
    }
  });
});

describe('rop phantoms (CLI)', () => {
  const bin = path.join(ROOT, 'tools/cli/bin/rop.mjs');
  it('writes a cohort and reports it', () => {
    const out = path.join(tmp, 'cli');
    const stdout = execFileSync(
      'node',
      [bin, 'phantoms', '--out', out, '--infants', '1', '--seed', '11', '--size', '320x240', '--no-progress'],
      { encoding: 'utf8', cwd: ROOT },
    );
    expect(stdout).toMatch(/10 images of 1 infants/);
    // Same seed and size as the library run: the first infant's files are identical.
    expect(
      readFileSync(path.join(out, 'images/inf0001_OS_nasal.jpg')).equals(
        readFileSync(path.join(A, 'images/inf0001_OS_nasal.jpg')),
      ),
    ).toBe(true);
    expect(existsSync(path.join(out, 'annotations.via.json'))).toBe(true);
  });

  it('rejects bad options with exit code 2 and a clear message', () => {
    for (const args of [
      ['--out', tmp, '--infants', '0'],
      ['--out', tmp, '--infants', '1', '--label-noise', '1.5'],
      ['--out', tmp, '--infants', '1', '--seed', '-3'],
    ]) {
      const r = spawnSync('node', [bin, 'phantoms', ...args], { encoding: 'utf8', cwd: ROOT });
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/invalid|required/);
    }
  });
});
