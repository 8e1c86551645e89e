import { describe, expect, it } from 'vitest';
import { isRopError, type Image8 } from '@ropline/core';
import { findPython, maxAbsDiff, opencvApply, runOpenCv } from './python-oracle.js';

const python = findPython(['cv2', 'numpy']);
if (!python)
  console.warn('[python-oracle] SKIPPED: no Python with cv2 + numpy (install Debian python3-opencv).');

const img: Image8 = { data: Uint8Array.from([0, 0, 1, 2]), width: 2, height: 2, channels: 1 };

describe('findPython', () => {
  it('returns null when a module is missing, and memoizes', () => {
    expect(findPython(['ropline_no_such_module_xyz'])).toBeNull();
    expect(findPython(['cv2', 'numpy'])).toBe(python);
  });

  it('refuses anything that is not a module name', () => {
    expect(() => findPython(['os; import sys'])).toThrow(/not a module name/);
  });
});

describe('maxAbsDiff', () => {
  it('is the largest per-sample difference, Infinity on shape mismatch', () => {
    const b: Image8 = { ...img, data: Uint8Array.from([0, 3, 1, 0]) };
    expect(maxAbsDiff(img, b)).toBe(3);
    expect(maxAbsDiff(img, { ...img, width: 4, height: 1 })).toBe(Infinity);
  });
});

describe.skipIf(!python)('runOpenCv', () => {
  it('runs a batch in one process, sending a shared input once', async () => {
    const run = await runOpenCv([
      { op: 'equalizeHist', image: img },
      { op: 'resize', image: img, params: { width: 4, height: 1, interpolation: 'area' } },
      { op: 'clahe', image: img, params: { clipLimit: 0, tilesX: 1, tilesY: 1 } },
    ]);
    expect(run.opencvVersion).toMatch(/^\d+\.\d+/);
    expect(Array.from(run.results[0].image!.data)).toEqual([0, 0, 128, 255]);
    expect([run.results[1].image!.width, run.results[1].image!.height]).toEqual([4, 1]);
    expect(run.results[2].image!.channels).toBe(1);
    expect(run.results.every((r) => r.timing === null)).toBe(true);
  });

  it('times the op on the Python side when asked, with a thread count', async () => {
    const run = await runOpenCv([{ op: 'equalizeHist', image: img }], { repeat: 5, warmup: 1, threads: 1 });
    const t = run.results[0].timing!;
    expect(run.threads).toBe(1);
    expect(t.runs).toBe(5);
    expect(t.bestMs).toBeGreaterThan(0);
    expect(t.medianMs).toBeGreaterThanOrEqual(t.bestMs);
  });

  it('returns float results and RGB inputs', async () => {
    const rgb: Image8 = { data: Uint8Array.from([255, 0, 0, 0, 255, 0]), width: 2, height: 1, channels: 3 };
    const run = await runOpenCv([
      { op: 'standardize', image: img },
      { op: 'rgbToGray', image: rgb },
    ]);
    const f = run.results[0].imageF32!;
    expect(f.data).toBeInstanceOf(Float32Array);
    expect(f.data[3]).toBeCloseTo((2 - 0.75) / Math.sqrt(0.6875), 5);
    expect(Array.from(run.results[1].image!.data)).toEqual([76, 150]);
  });

  it('decodes encoded bytes passed as a 1 x N image (imdecode), to RGB', async () => {
    // A 1x1 RGB PNG holding (255, 0, 0), made with cv2.imencode.
    const png = Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVQIHWP4z8AAAAMBAQBb2/lEAAAAAElFTkSuQmCC',
      'base64',
    );
    const run = await runOpenCv([
      { op: 'imdecode', image: { data: png, width: png.length, height: 1, channels: 1 } },
    ]);
    expect(Array.from(run.results[0].image!.data)).toEqual([255, 0, 0]);
  });

  it('applies one op to many images', async () => {
    const out = await opencvApply('equalizeHist', [img, img]);
    expect(out).toHaveLength(2);
  });

  it('reports oracle failures as TESTING.ORACLE_FAILED', async () => {
    const err = await runOpenCv([{ op: 'resize', image: img, params: { width: 2 } }]).catch(
      (e: unknown) => e,
    );
    expect(isRopError(err) && err.code).toBe('TESTING.ORACLE_FAILED');
  });
});
