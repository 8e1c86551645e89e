import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { decodeFrame, readDicom, summarize } from '@ropline/dicom';
import { writePng } from '@ropline/preprocess';
import { runCommand } from '../run-command.js';
import { parseNonNegativeInt } from './options.js';

export function registerDicomCommands(program: Command): void {
  const dicom = program.command('dicom').description('Read and decode DICOM files');

  dicom
    .command('info')
    .description('Print a JSON summary of a DICOM file (no patient identifiers)')
    .argument('<file>', 'DICOM Part-10 file or bare dataset')
    .action((file: string) =>
      runCommand(async () => {
        const ds = readDicom(new Uint8Array(await readFile(file)));
        process.stdout.write(`${JSON.stringify(summarize(ds), null, 2)}\n`);
      }),
    );

  dicom
    .command('decode')
    .description('Decode one frame to an 8-bit PNG (grayscale or RGB)')
    .argument('<file>', 'DICOM Part-10 file or bare dataset')
    .requiredOption('-o, --out <png>', 'output PNG path')
    .option('-f, --frame <n>', 'frame index, 0-based', parseNonNegativeInt, 0)
    .action((file: string, opts: { out: string; frame: number }) =>
      runCommand(async () => {
        const img = await decodeFrame(readDicom(new Uint8Array(await readFile(file))), opts.frame);
        await writePng(opts.out, img);
        process.stdout.write(`${opts.out}: ${img.width}x${img.height}, ${img.channels} channel(s)\n`);
      }),
    );
}
