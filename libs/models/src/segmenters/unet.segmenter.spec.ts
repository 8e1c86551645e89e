import * as tf from '@tensorflow/tfjs';
import { PluginRegistry, type ImageF32 } from '@ropline/core';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backends/init-backend.js';
import { fileSystemIO } from '../layers-util/file-system.io.js';
import { countParams } from '../layers-util/image-tensor.util.js';
import { quietContext } from '../layers-util/synthetic-lines.fixture.js';
import { asciiMask } from '../mask-geometry/ascii-mask.fixture.js';
import type { Segmenter } from '../ports/segmenter.port.js';
import {
  createUnetSegmenter,
  loadUnetSegmenter,
  unetSegmenterConfigSchema,
  unetSegmenterPlugin,
} from './unet.segmenter.js';

let work: string;
beforeAll(async () => {
  await initBackend({ backend: 'wasm' }, quietContext);
  work = await mkdtemp(path.join(tmpdir(), 'ropline-unet-'));
});
afterAll(() => rm(work, { recursive: true, force: true }));

const small = { inputSize: { width: 30, height: 22 }, depth: 2, baseFilters: 8, seed: 1 };
const gray = (width = 30, height = 22): ImageF32 => ({
  data: new Float32Array(width * height).map((_, i) => Math.sin(i / 3)),
  width,
  height,
  channels: 1,
});

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as { code?: string }).code ?? String(e);
  }
  return 'no error';
}

describe('U-Net segmenter config', () => {
  it('defaults to the paper: 299 x 299, binary line head, pixel 0.5, confidence 0.8', () => {
    const c = unetSegmenterConfigSchema.parse({});
    expect(c).toMatchObject({
      name: 'unet',
      inputSize: { width: 299, height: 299 },
      head: 'binary',
      classes: ['line'],
      pixelThreshold: 0.5,
      confidenceThreshold: 0.8,
      simplifyTolerancePx: 1,
    });
    expect(c.preprocessing.resize).toMatchObject({ width: 299, height: 299 });
    expect(unetSegmenterConfigSchema.parse({ head: 'multiclass' }).classes).toEqual([
      'stage1',
      'stage2',
      'stage3',
    ]);
    expect(unetSegmenterConfigSchema.parse({ inputSize: 64 }).preprocessing.resize).toMatchObject({
      width: 64,
    });
  });

  it.each([
    { name: 'binary with two classes', config: { classes: ['a', 'b'] } },
    { name: 'duplicate classes', config: { head: 'multiclass', classes: ['a', 'a'] } },
    { name: 'threshold > 1', config: { confidenceThreshold: 1.5 } },
    {
      name: 'preprocessing resize != input',
      config: { inputSize: 64, preprocessing: { resize: { width: 32 } } },
    },
    { name: 'unknown field', config: { dept: 3 } },
  ])('rejects $name with CONFIG.INVALID', async ({ config }) => {
    expect(unetSegmenterConfigSchema.safeParse(config).success).toBe(false);
    expect(await codeOf(loadUnetSegmenter(config as never))).toBe('CONFIG.INVALID');
  });
});

describe('U-Net model', () => {
  it('maps any H x W to H x W (pads to 2^depth inside) with the hand-counted parameters', async () => {
    const s = await loadUnetSegmenter(small);
    expect(s.model.outputs[0].shape).toEqual([null, 22, 30, 1]);
    // enc0 712 + enc1 3584 + bottleneck 14080 + dec1 9104 + dec0 2312 + head 9; BN: 2 of 4 per channel frozen
    expect(countParams(s.model)).toEqual({ total: 29_801, trainable: 29_481, nonTrainable: 320 });
    expect(s.info).toMatchObject({ kind: 'segmenter', classes: ['line'], inputChannels: 1 });
    s.dispose();
  });

  it('segments: plain arrays at input size, probabilities in [0, 1], same seed same output', async () => {
    const a = await loadUnetSegmenter(small);
    const b = await loadUnetSegmenter(small);
    const c = await loadUnetSegmenter({ ...small, seed: 2 });
    const r = await a.segment(gray());
    expect([r.width, r.height, r.probability.length, r.mask.data.length]).toEqual([30, 22, 660, 660]);
    expect(r.mask).toMatchObject({ width: 30, height: 22, channels: 1 });
    expect(r.labels).toBeNull();
    expect(r.probability.every((p) => p >= 0 && p <= 1)).toBe(true);
    expect(r.mask.data.every((v) => v === 0 || v === 255)).toBe(true);
    expect((await b.segment(gray())).probability).toEqual(r.probability);
    expect((await c.segment(gray())).probability).not.toEqual(r.probability);
    [a, b, c].forEach((s) => s.dispose());
  });

  it('multi-class head: softmax over background + stages, per-pixel labels', async () => {
    const s = await loadUnetSegmenter({ ...small, head: 'multiclass' });
    expect(s.outputChannels).toBe(4);
    const sums = tf.tidy(() =>
      Array.from(tf.sum(s.model.predict(tf.ones([1, 22, 30, 1])) as tf.Tensor, -1).dataSync()),
    );
    sums.forEach((v) => expect(v).toBeCloseTo(1, 5));
    const r = await s.segment(gray());
    expect(r.classes).toEqual(['stage1', 'stage2', 'stage3']);
    expect(r.labels).toHaveLength(660);
    expect(r.labels?.every((l) => l >= -1 && l <= 2)).toBe(true);
    s.dispose();
  });

  it('does not leak across calls, disposes idempotently, and rejects wrong inputs', async () => {
    const start = tf.memory().numTensors;
    const s = await loadUnetSegmenter(small);
    await s.segment(gray());
    const before = tf.memory().numTensors;
    for (let i = 0; i < 4; i++) await s.segment(gray());
    expect(tf.memory().numTensors).toBe(before);
    expect(await codeOf(s.segment(gray(22, 30)))).toBe('MODEL.INPUT_MISMATCH');
    expect(await codeOf(s.segment({ ...gray(), channels: 2 }))).toBe('MODEL.INPUT_MISMATCH');
    expect(tf.memory().numTensors).toBe(before);
    s.dispose();
    s.dispose();
    expect(tf.memory().numTensors).toBe(start);
    expect(await codeOf(s.segment(gray()))).toBe('MODEL.DISPOSED');
  });

  it('reloads trained weights (weightsDir) exactly; transfers binary -> multi-class with a new head', async () => {
    const trained = await loadUnetSegmenter({ ...small, seed: 7 });
    const dir = path.join(work, 'unet');
    await trained.model.save(fileSystemIO(dir));
    const again = await loadUnetSegmenter({ ...small, seed: 8, weightsDir: dir });
    expect((await again.segment(gray())).probability).toEqual((await trained.segment(gray())).probability);
    const multi = await loadUnetSegmenter({ ...small, head: 'multiclass', pretrained: { dir } });
    expect(multi.transfer?.reinitialised.map((r) => r.layer)).toEqual(['head']);
    expect(multi.transfer?.trainable).toEqual(['head']); // the paper's segmenter trains its heads only
    [trained, again, multi].forEach((s) => s.dispose());
  });

  it('is created through the plugin registry', async () => {
    const registry = new PluginRegistry([unetSegmenterPlugin]);
    const s = await registry.create<Segmenter>('segmenter', 'segmenter-unet', small, quietContext);
    expect((await s.segment(gray())).width).toBe(30);
    s.dispose();
    expect(await codeOf(registry.create('segmenter', 'segmenter-unet', { depth: 9 }, quietContext))).toBe(
      'CONFIG.INVALID',
    );
  });
});

describe('segment() decoding, on hand-made models with known outputs', () => {
  const image = (drawing: string, channels: number, encode: (c: string) => number[]): ImageF32 => {
    const m = asciiMask(drawing);
    return { data: Float32Array.from(m.chars.flatMap(encode)), width: m.width, height: m.height, channels };
  };
  /** A 1x1 conv with fixed weights standing in for a trained U-Net. */
  const fixedModel = (
    size: [number, number],
    cin: number,
    kernel: number[],
    bias: number[],
    activation: 'sigmoid' | 'softmax',
  ) => {
    const layer = tf.layers.conv2d({
      inputShape: [size[1], size[0], cin],
      filters: bias.length,
      kernelSize: 1,
      activation,
    });
    const model = tf.sequential({ layers: [layer] });
    layer.setWeights([tf.tensor4d(kernel, [1, 1, cin, bias.length]), tf.tensor1d(bias)]);
    return model;
  };

  it('binary: thresholds, keeps confident components (sigmoid(10v - 5)), traces polygons', async () => {
    const drawing = `
      ........
      .####...
      ........
      .....66.
      .....66.
      #.......
      ........
      ........`;
    const config = unetSegmenterConfigSchema.parse({ inputSize: 8 });
    const s = createUnetSegmenter(config, fixedModel([8, 8], 1, [10], [-5], 'sigmoid'));
    const r = await s.segment(image(drawing, 1, (c) => [c === '#' ? 1 : c === '.' ? 0 : Number(c) / 10]));
    const on = 1 / (1 + Math.exp(-5));
    expect(r.instances.map((i) => [i.label, i.areaPx, i.box, i.polygon])).toEqual([
      [
        'line',
        4,
        { x: 1, y: 1, width: 4, height: 1 },
        [
          [1, 1],
          [4, 1],
        ],
      ],
      ['line', 1, { x: 0, y: 5, width: 1, height: 1 }, [[0, 5]]],
    ]);
    r.instances.forEach((i) => expect(i.confidence).toBeCloseTo(on, 5));
    // the 0.6 block (probability sigmoid(1) = 0.73 < 0.8) is above the pixel threshold but dropped
    expect(r.probability[3 * 8 + 5]).toBeCloseTo(1 / (1 + Math.exp(-1)), 5);
    const kept = asciiMask(drawing).chars.map((c) => (c === '#' ? 255 : 0));
    expect(Array.from(r.mask.data)).toEqual(kept);
    s.dispose();
  });

  it('multi-class: arg-max labels, instances per stage, weak regions dropped', async () => {
    const drawing = `
      11......
      11..w...
      ..33....
      ........
      ........
      ........
      ........
      ........`;
    const config = unetSegmenterConfigSchema.parse({ inputSize: 8, inputChannels: 4, head: 'multiclass' });
    const identity = [...Array(16).keys()].map((i) => (i % 5 === 0 ? 10 : 0));
    const s = createUnetSegmenter(config, fixedModel([8, 8], 4, identity, [0, 0, 0, 0], 'softmax'));
    // '.' background, digit = stage channel, 'w' = weak stage2 evidence (arg-max stage2 at 0.475)
    const encode = (c: string) =>
      c === 'w' ? [0, 0, 0.1, 0] : [0, 1, 2, 3].map((k) => (k === (c === '.' ? 0 : Number(c)) ? 1 : 0));
    const r = await s.segment(image(drawing, 4, encode));
    expect(r.instances.map((i) => [i.label, i.classIndex, i.areaPx, i.box])).toEqual([
      ['stage1', 0, 4, { x: 0, y: 0, width: 2, height: 2 }],
      ['stage3', 2, 2, { x: 2, y: 2, width: 2, height: 1 }],
    ]);
    const labels = Array.from(r.labels ?? []);
    expect(labels.slice(0, 24)).toEqual([
      ...[0, 0, -1, -1, -1, -1, -1, -1],
      ...[0, 0, -1, -1, -1, -1, -1, -1], // the weak stage2 pixel at x = 4 is dropped
      ...[-1, -1, 2, 2, -1, -1, -1, -1],
    ]);
    expect(labels.slice(24).every((l) => l === -1)).toBe(true);
    expect(r.probability[8 + 4]).toBeCloseTo(Math.E / (Math.E + 3), 5);
    s.dispose();
  });
});
