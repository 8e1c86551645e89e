import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { RopError } from '@ropline/core';
import { SingleBar } from 'cli-progress';
import {
  BALANCE_MODES,
  MASK_CHANNELS,
  augmentDataset,
  importMasks,
  importPhantoms,
  importVia,
  parseRatios,
  parseStageLabel,
  splitDataset,
  verifyDataset,
  type BalanceMode,
  type DatasetManifest,
  type ImportResult,
  type MaskChannel,
  type ProgressFn,
  type Stage,
} from '@ropline/datasets';
import { EXIT, runCommand } from '../run-command.js';
import { cliContext } from '../cli-context.js';
import { dbOptions, type DbOptions } from './models-registry.command.js';
import { parseNonNegativeInt, parsePositiveInt } from './options.js';

/** How many skipped/warning lines the summary prints before "... and N more". */
const REPORT_LINES = 20;

function parseChoice<T extends string>(allowed: readonly T[]): (value: string) => T {
  return (value: string) => {
    if (!allowed.includes(value as T))
      throw new InvalidArgumentError(`expected one of ${allowed.join(', ')}`);
    return value as T;
  };
}

function parseThreshold(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 254) throw new InvalidArgumentError('expected an integer 0..254');
  return n;
}

function parseStage(value: string): Stage {
  const s = parseStageLabel(value);
  if (s === null) throw new InvalidArgumentError('expected a stage 0..3');
  return s;
}

function parseRatioOption(value: string): [number, number, number] {
  try {
    return parseRatios(value);
  } catch {
    throw new InvalidArgumentError('expected train:test:validation weights like 6:3:1');
  }
}

/** A cli-progress bar on stderr (only on a TTY, so piped output and tests stay clean). */
function progressBar(what: string): { onProgress: ProgressFn; stop: () => void } {
  if (!process.stderr.isTTY) return { onProgress: () => undefined, stop: () => undefined };
  const bar = new SingleBar({
    format: `${what} [{bar}] {percentage}% | {value}/{total} | ETA {eta}s | {label}`,
    stream: process.stderr,
    hideCursor: true,
  });
  let started = false;
  return {
    onProgress: (done, total, label) => {
      if (!started) {
        bar.start(total, done, { label });
        started = true;
      } else bar.update(done, { label: label.slice(0, 40) });
    },
    stop: () => started && bar.stop(),
  };
}

function countsLine(m: DatasetManifest): string {
  const stages = Object.entries(m.counts.byStage)
    .map(([k, v]) => `${k === 'unknown' ? 'stage ?' : `stage ${k}`}: ${v}`)
    .join(', ');
  const splits = Object.entries(m.counts.bySplit)
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ');
  return `${m.counts.total} items (${stages}; ${splits}), ${m.counts.augmented} augmented, hash ${m.hash.slice(0, 16)}`;
}

function printList(title: string, list: { file: string; reason: string }[]): void {
  if (!list.length) return;
  process.stdout.write(`${title} ${list.length}:\n`);
  for (const s of list.slice(0, REPORT_LINES)) process.stdout.write(`  ${s.file}: ${s.reason}\n`);
  if (list.length > REPORT_LINES)
    process.stdout.write(`  ... and ${list.length - REPORT_LINES} more (see dataset.json)\n`);
}

/** Prints the import summary; exit 2 when nothing was imported (and nothing was written). */
function report(result: ImportResult): void {
  if (result.manifest) {
    process.stdout.write(`${result.out}: imported ${countsLine(result.manifest)}\n`);
    if (result.manifest.task === 'segmentation')
      process.stdout.write('  no stage labels: a segmentation-only dataset (stage column empty)\n');
  } else {
    process.stdout.write(`${result.out}: nothing imported, nothing written\n`);
  }
  printList('skipped', result.skipped);
  printList('warnings', result.warnings);
  if (!result.manifest) process.exitCode = EXIT.badInput;
}

async function withBar<T>(what: string, work: (onProgress: ProgressFn) => Promise<T>): Promise<T> {
  const bar = progressBar(what);
  try {
    return await work(bar.onProgress);
  } finally {
    bar.stop();
  }
}

interface CommonOpts {
  out: string;
  name?: string;
  force?: boolean;
}

export function registerDatasetCommands(program: Command): void {
  const dataset = program
    .command('dataset')
    .description(
      'Import, split and balance ROP datasets (ropline-dataset/1: dataset.json, items.csv, images/, masks/)',
    );

  const common = (c: Command) =>
    c
      .requiredOption('-o, --out <dir>', 'output dataset folder (written atomically)')
      .option('--name <name>', 'dataset name (default: the folder name)')
      .option('--force', 'replace an existing dataset at --out', false);

  common(
    dataset
      .command('import-via')
      .description('Import images annotated in VGG Image Annotator (VIA 2.x JSON): regions -> 0/255 masks')
      .requiredOption('--images <dir>', 'folder of the annotated images')
      .requiredOption('--via <file>', 'VIA project or annotation JSON')
      .option(
        '--stage-attr <name>',
        'region attribute holding the stage (file attribute as fallback)',
        'stage',
      )
      .option(
        '--group-by <regex>',
        'regex over the file stem giving the infant/group key (default: whole stem)',
      )
      .option(
        '--unannotated <mode>',
        'images without regions: skip or stage0',
        parseChoice(['skip', 'stage0'] as const),
        'skip',
      )
      .option('--line-width <px>', 'stroke width of polyline regions', parsePositiveInt, 3),
  ).action(
    (
      o: CommonOpts & {
        images: string;
        via: string;
        stageAttr: string;
        groupBy?: string;
        unannotated: 'skip' | 'stage0';
        lineWidth: number;
      },
    ) =>
      runCommand(async () => {
        const result = await withBar('import-via', (onProgress) => importVia({ ...o, onProgress }));
        report(result);
      }),
  );

  common(
    dataset
      .command('import-masks')
      .description(
        'Import images + mask images of any colour (same file stem); no stage -> segmentation-only',
      )
      .requiredOption('--images <dir>', 'folder of the images')
      .requiredOption('--masks <dir>', 'folder of the masks (same stem as the image)')
      .option(
        '--channel <c>',
        `mask channel: ${MASK_CHANNELS.join(', ')} (max: any colour)`,
        parseChoice(MASK_CHANNELS),
        'max',
      )
      .option('--threshold <t>', 'a mask pixel is on when channel > t', parseThreshold, 127)
      .option(
        '--group-by <regex>',
        'regex over the file stem giving the group key, e.g. "(RetCam|Neo)_(\\d+)"',
      )
      .option('--stage <n>', 'one stage (0..3) for every image', parseStage)
      .option('--stages <csv>', 'CSV with columns file,stage')
      .option('--allow-empty', 'keep items whose mask is empty', false),
  ).action(
    (
      o: CommonOpts & {
        images: string;
        masks: string;
        channel: MaskChannel;
        threshold: number;
        groupBy?: string;
        stage?: Stage;
        stages?: string;
        allowEmpty: boolean;
      },
    ) =>
      runCommand(async () => {
        const result = await withBar('import-masks', (onProgress) => importMasks({ ...o, onProgress }));
        report(result);
      }),
  );

  common(
    dataset
      .command('import-phantoms')
      .description('Import a phantom cohort written by `rop phantoms` (manifest.csv; grouped by infant)')
      .requiredOption('--from <dir>', 'the phantom folder (manifest.csv, images/, masks/)')
      .option('--allow-empty', 'keep stage 1-3 views whose mask is empty (line not in view)', false),
  ).action((o: CommonOpts & { from: string; allowEmpty: boolean }) =>
    runCommand(async () => {
      const result = await withBar('import-phantoms', (onProgress) => importPhantoms({ ...o, onProgress }));
      report(result);
    }),
  );

  dataset
    .command('split')
    .description(
      'Train/test/validation split, stratified by stage and grouped by infant (new dataset version)',
    )
    .requiredOption('--data <dir>', 'the dataset')
    .requiredOption('--seed <n>', 'random seed', parseNonNegativeInt)
    .option('--ratios <t:t:v>', 'train:test:validation weights', parseRatioOption, [6, 3, 1])
    .option('--group-by <cols>', 'grouping key: item columns, e.g. infant or infant+eye', 'infant')
    .option('-o, --out <dir>', 'write the new version here (default: replace --data atomically)')
    .option('--force', 'replace an existing dataset at --out', false)
    .action(
      (o: {
        data: string;
        seed: number;
        ratios: [number, number, number];
        groupBy: string;
        out?: string;
        force: boolean;
      }) =>
        runCommand(async () => {
          const m = await withBar('split', (onProgress) => splitDataset({ ...o, onProgress }));
          process.stdout.write(
            `${o.out ?? o.data}: split ${o.ratios.join(':')} by ${o.groupBy}: ${countsLine(m)}\n`,
          );
        }),
    );

  dataset
    .command('augment')
    .description("Class balancing with the paper's crop/zoom variants (variants keep their source's split)")
    .requiredOption('--data <dir>', 'the dataset')
    .requiredOption('--seed <n>', 'random seed', parseNonNegativeInt)
    .option(
      '--balance <mode>',
      'paper: stage 1 x factor; largest: every stage up to the largest',
      parseChoice(BALANCE_MODES),
      'paper',
    )
    .option('--factor <n>', 'paper mode: copies per stage-1 image, original included', parsePositiveInt, 5)
    .option('--all-splits', 'augment test and validation too (the paper did; default: train only)', false)
    .option('-o, --out <dir>', 'write the new version here (default: replace --data atomically)')
    .option('--force', 'replace an existing dataset at --out', false)
    .action(
      (o: {
        data: string;
        seed: number;
        balance: BalanceMode;
        factor: number;
        allSplits: boolean;
        out?: string;
        force: boolean;
      }) =>
        runCommand(async () => {
          const r = await withBar('augment', (onProgress) => augmentDataset({ ...o, onProgress }));
          process.stdout.write(
            `${o.out ?? o.data}: +${r.added} variants (${o.balance}${r.dropped ? `, ${r.dropped} old variants regenerated` : ''}): ${countsLine(r.manifest)}\n`,
          );
          printList('skipped', r.skipped);
        }),
    );

  registerSnapshotCommand(dataset);

  dataset
    .command('verify')
    .description('Re-hash every image and mask and the whole dataset against dataset.json')
    .requiredOption('--data <dir>', 'the dataset')
    .action((o: { data: string }) =>
      runCommand(async () => {
        const v = await verifyDataset(o.data);
        for (const p of v.problems) process.stdout.write(`  ${p}\n`);
        process.stdout.write(
          `${o.data}: ${v.ok ? 'ok' : `${v.problems.length} problem(s)`}, hash ${v.hash}\n`,
        );
        if (!v.ok) process.exitCode = EXIT.badInput;
      }),
    );
}

/**
 * The pseudonym key (salt of the snapshot's infant keys, item ids and DICOM UID mapping):
 * `<dataDir>/secrets/pseudonym.key`, 32 random bytes created 0600 on first use. Keep it secret and
 * stable: the same key gives the same pseudonyms (snapshots stay comparable); losing it only breaks
 * linkage across snapshots, leaking it lets someone confirm a guessed PatientID.
 */
export async function loadPseudonymKey(dataDir: string): Promise<string> {
  const dir = path.join(dataDir, 'secrets');
  const file = path.join(dir, 'pseudonym.key');
  let key: Buffer;
  try {
    key = await readFile(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    await mkdir(dir, { recursive: true, mode: 0o700 });
    try {
      await writeFile(file, randomBytes(32), { flag: 'wx', mode: 0o600 });
    } catch (w) {
      if ((w as NodeJS.ErrnoException).code !== 'EEXIST') throw w; // another process won the race
    }
    await chmod(file, 0o600);
    key = await readFile(file);
  }
  if (key.length < 16)
    throw new RopError('SNAPSHOT.BAD_KEY', `${file} holds ${key.length} bytes; expected 32 random bytes`);
  return key.toString('hex');
}

function parseSince(value: string): Date {
  const d = /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value.trim())
    ? new Date(value)
    : null;
  if (!d || Number.isNaN(d.getTime()))
    throw new RopError(
      'CLI.BAD_ARGUMENT',
      `--since: expected an ISO 8601 date like 2026-01-31, got '${value}'`,
    );
  return d;
}

function registerSnapshotCommand(dataset: Command): void {
  dbOptions(
    dataset
      .command('snapshot')
      .description(
        'Snapshot clinician-confirmed labels into a de-identified dataset (+ provenance.jsonl, dicom/)',
      )
      .requiredOption('-o, --out <dir>', 'output dataset folder (written atomically)')
      .option('--since <date>', 'only images whose deciding labels are at or after this date (ISO 8601)')
      .option('--include <dataset>', 'copy the items of an existing dataset in (e.g. phantoms)')
      .option('--name <name>', 'dataset name (default: the folder name)')
      .option('--force', 'replace an existing dataset at --out', false)
      .option('--json', 'print the summary as one JSON object (for scripts and the retraining job)'),
  ).action((o: DbOptions & CommonOpts & { since?: string; include?: string; json?: boolean }) =>
    runCommand(async () => {
      const since = o.since === undefined ? undefined : parseSince(o.since);
      const dataDir = o.dataDir ?? (process.env.ROPLINE_DATA_DIR || 'var');
      const salt = await loadPseudonymKey(dataDir);
      const [{ openDatabase }, { LocalBlobStore }, { createSnapshot }] = await Promise.all([
        import('@ropline/db'),
        import('@ropline/gateway'),
        import('@ropline/trainer'),
      ]);
      const blobs = await new LocalBlobStore(path.join(dataDir, 'blobs')).openForReading();
      const db = await openDatabase({ databaseUrl: o.databaseUrl, dataDir }, cliContext());
      try {
        const r = await withBar('snapshot', (onProgress) =>
          createSnapshot({
            db,
            readBlob: (sha) => blobs.get(sha),
            out: o.out,
            since,
            include: o.include,
            salt,
            force: o.force,
            name: o.name,
            onProgress,
          }),
        );
        if (o.json) {
          process.stdout.write(`${JSON.stringify(r)}\n`);
          return;
        }
        const stages = Object.entries(r.byStage)
          .map(([k, v]) => `${k === 'unknown' ? 'stage ?' : `stage ${k}`}: ${v}`)
          .join(', ');
        process.stdout.write(
          `${o.out}: snapshot ${r.images} images (${stages}), masks ${r.clinicianLines} clinician / ` +
            `${r.modelLines} model / ${r.noMask} none, ${r.excludedUngradable} ungradable excluded, ` +
            `${r.included} included, ${r.skipped.length} skipped, hash ${r.hash.slice(0, 16)}\n`,
        );
        printList('skipped', r.skipped);
      } finally {
        await db.close();
      }
    }),
  );
}
