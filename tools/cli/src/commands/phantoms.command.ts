import { InvalidArgumentError, type Command } from 'commander';
import { SingleBar } from 'cli-progress';
import { generatePhantoms } from '@ropline/phantom';
import { runCommand } from '../run-command.js';
import { parsePositiveInt, parseSize } from './options.js';

interface PhantomsOptions {
  out: string;
  infants: number;
  seed: number;
  dicom?: boolean;
  difficulty: number;
  labelNoise: number;
  size?: [number, number];
  quality: number;
  progress: boolean;
}

function parseUnit(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1)
    throw new InvalidArgumentError('expected a number between 0 and 1');
  return n;
}

function parseSeed(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n > 0xffffffff)
    throw new InvalidArgumentError('expected an integer 0..4294967295');
  return n;
}

function parseQuality(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 50 || n > 100)
    throw new InvalidArgumentError('expected an integer 50..100');
  return n;
}

export function registerPhantomsCommand(program: Command): void {
  program
    .command('phantoms')
    .description(
      'Generate a deterministic cohort of RetCam-like ROP phantoms (both eyes, 5 views each): JPEG images, ' +
        'line masks, VIA annotations, manifest.csv and optionally DICOM OP files',
    )
    .requiredOption('-o, --out <dir>', 'output folder (images/, masks/, annotations.via.json, manifest.csv)')
    .requiredOption('-n, --infants <n>', 'number of infants (each: OD and OS, 5 views)', parsePositiveInt)
    .option('-s, --seed <n>', 'random seed: same seed, same bytes', parseSeed, 1)
    .option('--dicom', 'also write each exam as DICOM Ophthalmic Photography 8 Bit (JPEG baseline)')
    .option(
      '--difficulty <0..1>',
      'blur, low/uneven contrast, noise, reflections, fainter lines',
      parseUnit,
      0.3,
    )
    .option('--label-noise <0..1>', 'probability that a line is graded as a neighbouring stage', parseUnit, 0)
    .option('--size <WxH>', 'override every device frame size (quick looks, tests)', parseSize)
    .option('--quality <q>', 'JPEG quality', parseQuality, 90)
    .option('--no-progress', 'no progress bar on stderr')
    .action((opts: PhantomsOptions) =>
      runCommand(async () => {
        const bar = new SingleBar({
          format: 'phantoms [{bar}] {percentage}% | {value}/{total} images | ETA {eta}s | {label}',
          stream: process.stderr,
          hideCursor: true,
        });
        const show = opts.progress && process.stderr.isTTY !== false;
        if (show) bar.start(opts.infants * 10, 0, { label: '' });
        try {
          const s = await generatePhantoms({
            out: opts.out,
            infants: opts.infants,
            seed: opts.seed,
            dicom: Boolean(opts.dicom),
            difficulty: opts.difficulty,
            labelNoise: opts.labelNoise,
            size: opts.size,
            jpegQuality: opts.quality,
            onProgress: (done, _total, label) => show && bar.update(done, { label }),
          });
          if (show) bar.stop();
          const byStage = [0, 1, 2, 3].map((st) => s.rows.filter((r) => r.stage === st).length);
          process.stdout.write(
            `${opts.out}: ${s.rows.length} images of ${opts.infants} infants ` +
              `(stage 0/1/2/3: ${byStage.join('/')})` +
              (opts.dicom ? `, ${s.dicomFiles.length} DICOM files` : '') +
              ` in ${s.seconds.toFixed(1)} s (${(s.seconds / opts.infants).toFixed(2)} s/infant)\n`,
          );
        } finally {
          if (show) bar.stop();
        }
      }),
    );
}
