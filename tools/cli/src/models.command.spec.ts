import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDicom } from '@ropline/dicom';
import { createImageDataset } from '@ropline/dicom/testing';
import { loadPipeline, loadSegmenterFrom } from '@ropline/models';
import { writeTinyPipeline } from '@ropline/models/testing';
import { decodeImageBytes, encodePng } from '@ropline/preprocess';
import { makeFundusLike } from '@ropline/testing';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../bin/rop.mjs');
const dir = mkdtempSync(path.join(tmpdir(), 'rop-models-cli-'));
const pipelineDir = path.join(dir, 'pipeline');
const image = makeFundusLike(90, 70, 4);
const png = path.join(dir, 'eye.png');
const dcm = path.join(dir, 'eye.dcm');

function rop(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  await writeTinyPipeline(pipelineDir, 'hybrid');
  writeFileSync(png, encodePng(image));
  writeFileSync(
    dcm,
    writeDicom(createImageDataset({ rows: 70, columns: 90, samplesPerPixel: 3, pixelData: image.data })),
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('rop analyze / rop segment', () => {
  it('analyze prints one JSON result per image, equal to the library result', async () => {
    const r = rop('analyze', '--model', pipelineDir, '--backend', 'cpu', png, dcm);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.file)).toEqual([png, dcm]);
    const pipeline = await loadPipeline(pipelineDir);
    const expected = await pipeline.analyze(image);
    pipeline.dispose();
    for (const l of lines) {
      expect(l.pipeline).toBe('hybrid');
      expect(l.stage).toBe(expected.stage);
      for (const [k, v] of Object.entries(expected.probabilities))
        expect(l.probabilities[k]).toBeCloseTo(v, 6);
      expect(l.models.map((m: { version: string }) => m.version)).toEqual(['0.0.1', '0.0.2']);
      expect(l.instances).toHaveLength(expected.segmentation!.instances.length);
      expect(Object.keys(l.latencyMs).sort()).toEqual([
        'classify',
        'preprocess',
        'segment',
        'stack',
        'total',
      ]);
    }
    expect(r.stderr).toContain('compute backend: cpu');
  });

  it.each(['classifier-only', 'segmentation-only'] as const)(
    'analyze runs the %s pipeline end to end',
    async (kind) => {
      const p = path.join(dir, kind);
      await writeTinyPipeline(p, kind);
      const r = rop('analyze', '--model', p, '--backend', 'cpu', dcm);
      expect(r.code, r.stderr).toBe(0);
      const line = JSON.parse(r.stdout);
      const pipeline = await loadPipeline(p);
      const expected = await pipeline.analyze(image);
      pipeline.dispose();
      expect(line.pipeline).toBe(kind);
      expect(line.stage).toBe(expected.stage);
      expect(line.instances === null).toBe(kind === 'classifier-only');
      expect(line.models).toHaveLength(1);
    },
  );

  it('segment writes a 0/255 mask at the input size, equal to the library mask', async () => {
    const out = path.join(dir, 'masks');
    const r = rop('segment', '--model', pipelineDir, '--backend', 'cpu', '--out', out, dcm);
    expect(r.code, r.stderr).toBe(0);
    const mask = decodeImageBytes(new Uint8Array(readFileSync(path.join(out, 'eye.mask.png'))));
    expect([mask.width, mask.height, mask.channels]).toEqual([90, 70, 1]);
    const runner = await loadSegmenterFrom(pipelineDir);
    const expected = await runner.run(image);
    runner.segmenter.dispose();
    expect(Buffer.from(mask.data).equals(Buffer.from(expected.maskAtInputSize.data))).toBe(true);
  });

  it('a missing or tampered model exits 2 with one line', () => {
    const r = rop('analyze', '--model', path.join(dir, 'nope'), '--backend', 'cpu', png);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n').at(-1)).toMatch(/^rop: MODEL\.ARTIFACT_INVALID: /);
    const bad = rop('analyze', '--model', pipelineDir, '--backend', 'tensorflow', png);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/MODEL\.BACKEND_UNAVAILABLE: .*npm install @tensorflow\/tfjs-node/);
  });
});
