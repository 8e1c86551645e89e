import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import type { StagingResult } from '@ropline/models';
import { writePng } from '@ropline/preprocess';
import { loadImage } from '../load-image.js';
import { runCommand } from '../run-command.js';
import { cliContext } from '../cli-context.js';
import { DEMO_PIPELINE } from '../demo-model.js';

/**
 * tfjs is loaded only by the commands that run models: it costs ~1 s at start-up, and tfjs-wasm
 * installs process-wide handlers that other commands should not inherit.
 */
const loadModels = () => import('@ropline/models');

interface BackendOption {
  backend: 'auto' | 'wasm' | 'tensorflow' | 'cpu';
}

function backendOption(cmd: Command): Command {
  return cmd.option(
    '--backend <name>',
    'compute backend: auto | wasm | tensorflow | cpu (auto picks the fastest available)',
    'auto',
  );
}

/** A result without the big arrays: what a person or a script reads. */
function summarizeResult(file: string, r: StagingResult) {
  return {
    file,
    pipeline: r.pipeline,
    stage: r.stage,
    probabilities: r.probabilities,
    instances:
      r.segmentation?.instances.map((i) => ({
        label: i.label,
        confidence: Number(i.confidence.toFixed(4)),
        areaPx: i.areaPx,
        box: i.box,
        polygonPoints: i.polygon.length,
      })) ?? null,
    models: r.models,
    latencyMs: Object.fromEntries(
      Object.entries(r.latencyMs).map(([k, v]) => [k, Number((v as number).toFixed(1))]),
    ),
  };
}

export function registerModelCommands(program: Command): void {
  backendOption(
    program
      .command('analyze')
      .description(
        'Stage ROP on images with a pipeline (hybrid, classifier-only or segmentation-only); one JSON line per image',
      )
      .argument('<inputs...>', 'PNG, JPEG or DICOM files')
      .option(
        '-m, --model <dir>',
        'pipeline directory (pipeline.json + its model artifacts); default: the demo model',
        DEMO_PIPELINE,
      ),
  ).action((inputs: string[], opts: { model: string } & BackendOption) =>
    runCommand(async () => {
      const ctx = cliContext();
      const { initBackend, loadPipeline } = await loadModels();
      await initBackend({ backend: opts.backend }, ctx);
      const pipeline = await loadPipeline(opts.model, ctx);
      try {
        for (const file of inputs) {
          const result = await pipeline.analyze(await loadImage(file));
          process.stdout.write(`${JSON.stringify(summarizeResult(file, result))}\n`);
        }
      } finally {
        pipeline.dispose();
      }
    }),
  );

  backendOption(
    program
      .command('segment')
      .description('Segment the demarcation line; writes one 0/255 PNG mask per input, at the input size')
      .argument('<inputs...>', 'PNG, JPEG or DICOM files')
      .option(
        '-m, --model <dir>',
        'segmenter artifact directory, or a pipeline directory; default: the demo model',
        DEMO_PIPELINE,
      )
      .requiredOption('-o, --out <dir>', 'output directory for the masks (<input name>.mask.png)'),
  ).action((inputs: string[], opts: { model: string; out: string } & BackendOption) =>
    runCommand(async () => {
      const ctx = cliContext();
      const { initBackend, loadSegmenterFrom } = await loadModels();
      await initBackend({ backend: opts.backend }, ctx);
      const { segmenter, run } = await loadSegmenterFrom(opts.model, ctx);
      await mkdir(opts.out, { recursive: true });
      try {
        for (const file of inputs) {
          const image = await loadImage(file);
          const seg = await run(image);
          const out = path.join(opts.out, `${path.parse(file).name}.mask.png`);
          await writePng(out, seg.maskAtInputSize);
          process.stdout.write(`${out}: ${seg.instances.length} line instance(s)\n`);
        }
      } finally {
        segmenter.dispose();
      }
    }),
  );
}
