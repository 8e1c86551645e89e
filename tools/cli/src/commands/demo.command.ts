import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import type { Image8 } from '@ropline/core';
import { decodeFrame, readDicom, summarize, writeDicom, type NaturalDataset } from '@ropline/dicom';
import {
  clahe,
  equalizeHist,
  fieldOfView,
  parsePreprocessConfig,
  resize,
  standardize,
  toGray,
  writePng,
} from '@ropline/preprocess';
import { makeFundusLike } from '@ropline/testing';
import { loadImage, looksLikeDicom } from '../load-image.js';
import { runCommand } from '../run-command.js';
import { parseNonNegativeInt } from './options.js';
import { DEMO_PIPELINE } from '../demo-model.js';
import { cliContext } from '../cli-context.js';
import { defaultActor, dbOptions, withRegistry, type DbOptions } from './models-registry.command.js';

/**
 * Stages the image with the demo pipeline, writes the line mask, and makes sure the demo model is
 * registered (and active when nothing else is) in the registry: embedded Postgres under var/ by default.
 */
async function stageWithDemoModel(
  image: Image8,
  out: string,
  opts: DbOptions & { register: boolean },
): Promise<void> {
  const ctx = cliContext();
  const { initBackend, loadPipeline } = await import('@ropline/models');
  await initBackend({ backend: 'auto' }, ctx);
  const pipeline = await loadPipeline(DEMO_PIPELINE, ctx);
  try {
    const r = await pipeline.analyze(image);
    if (r.maskAtInputSize) await writePng(path.join(out, '6-line-mask.png'), r.maskAtInputSize);
    const probs = Object.entries(r.probabilities)
      .map(([k, v]) => `${k} ${v.toFixed(3)}`)
      .join(', ');
    process.stdout.write(
      `demo model (${r.models.map((m) => `${m.name} ${m.version}`).join(' + ')}): ${r.stage} (${probs}); ` +
        `${r.segmentation?.instances.length ?? 0} line instance(s); ${r.latencyMs.total.toFixed(0)} ms\n`,
    );
  } finally {
    pipeline.dispose();
  }
  if (!opts.register) return;
  await withRegistry(opts, async (registry) => {
    const { model } = await registry.register(DEMO_PIPELINE, { actor: defaultActor() });
    const active = await registry.getActive(model.kind, model.name);
    if (!active)
      await registry.promote(model.name, model.version, {
        actor: defaultActor(),
        reason: 'rop demo: the default model',
      });
    const now = await registry.getActive(model.kind, model.name);
    process.stdout.write(
      `registry: ${model.kind} ${model.name}@${model.version} registered; active: ${now?.version ?? 'none'}\n`,
    );
  });
}

/**
 * A synthetic RetCam-sized frame as a DICOM Secondary Capture with an obviously fake identity, so
 * the demo exercises the same read/decode path as a real file. (Phantoms with ROP anatomy: issue 4.)
 */
function syntheticDicom(seed: number): Uint8Array {
  const img = makeFundusLike(1600, 1200, seed);
  const uid = `2.25.${(BigInt(seed) * 7919n + 1_000_003n).toString()}`;
  const ds: NaturalDataset = {
    SOPClassUID: '1.2.840.10008.5.1.4.1.1.7',
    SOPInstanceUID: `${uid}.3`,
    StudyInstanceUID: `${uid}.1`,
    SeriesInstanceUID: `${uid}.2`,
    Modality: 'OP',
    ConversionType: 'SYN',
    PatientName: 'DEMO^SYNTHETIC',
    PatientID: 'DEMO-0001',
    ImageLaterality: 'R',
    Rows: img.height,
    Columns: img.width,
    SamplesPerPixel: 3,
    PhotometricInterpretation: 'RGB',
    PlanarConfiguration: 0,
    BitsAllocated: 8,
    BitsStored: 8,
    HighBit: 7,
    PixelRepresentation: 0,
    PixelData: img.data,
  };
  return writeDicom(ds);
}

interface Stage {
  name: string;
  ms: number;
  file?: string;
}

function timed<T>(stages: Stage[], name: string, fn: () => T): T {
  const t0 = performance.now();
  const out = fn();
  stages.push({ name, ms: performance.now() - t0 });
  return out;
}

/** Mean and population standard deviation; -0 printed as 0. */
function meanStd(data: Float32Array): { mean: number; std: number } {
  let sum = 0;
  let sq = 0;
  for (const v of data) {
    sum += v;
    sq += v * v;
  }
  const mean = sum / data.length;
  return {
    mean: Math.abs(mean) < 5e-5 ? 0 : mean,
    std: Math.sqrt(Math.max(0, sq / data.length - mean * mean)),
  };
}

export function registerDemoCommand(program: Command): void {
  dbOptions(program.command('demo'))
    .description(
      "Run the paper's preprocessing end to end on one image (default: a synthetic 1600x1200 fundus " +
        'written as DICOM) and write every intermediate image as PNG',
    )
    .argument('[input]', 'PNG, JPEG or DICOM file (default: synthetic)')
    .option('-o, --out <dir>', 'output directory', 'var/demo')
    .option('--seed <n>', 'seed of the synthetic image', parseNonNegativeInt, 1)
    .option('--no-model', 'preprocessing only: do not stage with the demo model')
    .option('--no-register', 'do not register the demo model in the model registry')
    .action(
      (
        input: string | undefined,
        opts: DbOptions & { out: string; seed: number; model: boolean; register: boolean },
      ) =>
        runCommand(async () => {
          await mkdir(opts.out, { recursive: true });
          let file = input;
          if (!file) {
            file = path.join(opts.out, 'input.dcm');
            await writeFile(file, syntheticDicom(opts.seed));
          }
          const bytes = new Uint8Array(await readFile(file));
          const stages: Stage[] = [];
          let decoded: Image8;
          if (looksLikeDicom(bytes, file)) {
            const ds = timed(stages, 'read DICOM', () => readDicom(bytes));
            const t0 = performance.now();
            decoded = await decodeFrame(ds, 0);
            stages.push({ name: 'decode frame', ms: performance.now() - t0 });
            process.stdout.write(`${JSON.stringify(summarize(ds))}\n`);
          } else {
            const t0 = performance.now();
            decoded = await loadImage(file);
            stages.push({ name: 'decode image', ms: performance.now() - t0 });
          }
          const c = parsePreprocessConfig({});
          const gray = timed(stages, 'grayscale', () => toGray(decoded, c.grayWeights));
          const fov = timed(stages, 'field of view', () => fieldOfView(decoded));
          const he = timed(stages, 'equalize', () => equalizeHist(gray));
          const cl = timed(stages, 'CLAHE', () => clahe(he, c.clahe));
          const small = timed(stages, 'resize', () => resize(cl, c.resize.width, c.resize.height));
          const std01 = timed(stages, 'standardize', () => standardize(small));
          const outputs: [string, Image8][] = [
            ['1-decoded.png', decoded],
            ['2-gray.png', gray],
            ['3-equalized.png', he],
            ['4-clahe.png', cl],
            ['5-model-input.png', small],
            ['fov-mask.png', fov],
          ];
          for (const [name, img] of outputs) await writePng(path.join(opts.out, name), img);
          const { mean, std } = meanStd(std01.data);
          process.stdout.write(
            `${decoded.width}x${decoded.height} -> ${small.width}x${small.height}; ` +
              `standardized mean ${mean.toFixed(4)} std ${std.toFixed(4)}\n`,
          );
          for (const s of stages)
            process.stdout.write(`  ${s.name.padEnd(14)} ${s.ms.toFixed(1).padStart(8)} ms\n`);
          process.stdout.write(`wrote ${outputs.map(([n]) => n).join(', ')} to ${opts.out}/\n`);
          if (opts.model) await stageWithDemoModel(decoded, opts.out, opts);
        }),
    );
}
