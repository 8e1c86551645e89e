import type { Command } from 'commander';
import {
  PREPROCESS_STEPS,
  createPreprocessPipeline,
  writePng,
  type PreprocessStep,
} from '@ropline/preprocess';
import { loadImage } from '../load-image.js';
import { runCommand } from '../run-command.js';
import { parseGrid, parseList, parseNonNegativeInt, parsePositiveNumber, parseSize } from './options.js';

interface PreprocessOptions {
  out: string;
  steps: PreprocessStep[];
  clip: number;
  tiles: [number, number];
  size: [number, number];
  frame: number;
}

export function registerPreprocessCommand(program: Command): void {
  program
    .command('preprocess')
    .description(
      "Run the paper's preprocessing (gray 0.3/0.59/0.11 -> histogram equalization -> CLAHE -> resize) " +
        'on a PNG, JPEG or DICOM file and write an 8-bit grayscale PNG',
    )
    .argument('<input>', 'PNG, JPEG or DICOM file')
    .requiredOption('-o, --out <png>', 'output PNG path')
    .option('--steps <list>', `comma list of ${PREPROCESS_STEPS.join(',')}`, parseList(PREPROCESS_STEPS), [
      ...PREPROCESS_STEPS,
    ])
    .option('--clip <limit>', 'CLAHE clip limit (OpenCV semantics)', parsePositiveNumber, 2)
    .option('--tiles <CxR>', 'CLAHE tile grid, columns x rows', parseGrid, [8, 8])
    .option('--size <WxH>', 'model input size for the resize step', parseSize, [299, 299])
    .option('-f, --frame <n>', 'frame index for multi-frame DICOM, 0-based', parseNonNegativeInt, 0)
    .action((input: string, opts: PreprocessOptions) =>
      runCommand(async () => {
        // RGB input always goes through 'gray' first: the equalization steps need one channel.
        const steps = opts.steps.includes('gray')
          ? opts.steps
          : (['gray', ...opts.steps] as PreprocessStep[]);
        const pipeline = createPreprocessPipeline({
          steps,
          clahe: { clipLimit: opts.clip, tilesX: opts.tiles[0], tilesY: opts.tiles[1] },
          resize: { width: opts.size[0], height: opts.size[1] },
        });
        const out = pipeline.run(await loadImage(input, opts.frame));
        await writePng(opts.out, out);
        process.stdout.write(`${opts.out}: ${out.width}x${out.height} gray, steps ${steps.join(',')}\n`);
      }),
    );
}
