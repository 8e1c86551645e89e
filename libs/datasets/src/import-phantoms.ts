import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { RopError, type Image8 } from '@ropline/core';
import { decodeImageBytes } from '@ropline/preprocess';
import { parseCsvRecords } from './csv.util.js';
import { withStaging } from './dataset-io.js';
import { DATASET_INVALID, parseStageLabel, type SkippedItem } from './dataset.types.js';
import {
  maskStageProblem,
  reasonOf,
  stemOf,
  thresholdMask,
  type CommonImportOptions,
  finishImport,
  type ImportResult,
} from './import-common.js';
import { countOn, createMask, type Mask } from './rasterize.util.js';

export const PHANTOM_MANIFEST_COLUMNS = ['infant', 'eye', 'view', 'stage', 'file', 'mask'] as const;

export interface ImportPhantomsOptions extends CommonImportOptions {
  /** The folder written by `rop phantoms --out DIR` (manifest.csv, images/, masks/). */
  from: string;
  /** Keep stage 1-3 views whose mask is empty (the view does not show the line); default: skipped. */
  allowEmpty?: boolean;
}

/** `rop dataset import-phantoms`: a phantom cohort (manifest.csv) -> dataset, grouped by infant. */
export async function importPhantoms(opts: ImportPhantomsOptions): Promise<ImportResult> {
  const manifestPath = path.join(opts.from, 'manifest.csv');
  let text: string;
  try {
    text = await readFile(manifestPath, 'utf8');
  } catch (e) {
    throw new RopError(
      DATASET_INVALID,
      `${opts.from} is not a phantom cohort: cannot read manifest.csv (${(e as NodeJS.ErrnoException).code ?? reasonOf(e)})`,
    );
  }
  const { header, records } = parseCsvRecords(text);
  const missing = PHANTOM_MANIFEST_COLUMNS.filter((c) => !header.includes(c));
  if (missing.length)
    throw new RopError(DATASET_INVALID, `${manifestPath}: missing columns ${missing.join(', ')}`);
  const skipped: SkippedItem[] = [];
  const warnings: SkippedItem[] = [];

  return withStaging(opts.out, !!opts.force, async (staging) => {
    let done = 0;
    for (const row of records) {
      opts.onProgress?.(done++, records.length, row.file);
      const file = row.file;
      const skip = (reason: string) => skipped.push({ file: file || `manifest row ${done + 1}`, reason });
      if (!file) {
        skip('manifest row without a file');
        continue;
      }
      const stage = parseStageLabel(row.stage);
      if (stage === null) {
        skip(`unknown stage label '${row.stage}'`);
        continue;
      }
      if (!row.infant) {
        skip('manifest row without an infant (the grouping key)');
        continue;
      }
      let bytes: Uint8Array;
      let img: Image8;
      try {
        bytes = await readFile(path.join(opts.from, file));
        img = decodeImageBytes(bytes);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        skip(code === 'ENOENT' ? 'image file not found' : `unreadable image: ${code ?? reasonOf(e)}`);
        continue;
      }
      let mask: Mask;
      if (row.mask) {
        try {
          const m = decodeImageBytes(await readFile(path.join(opts.from, row.mask)));
          if (m.width !== img.width || m.height !== img.height) {
            skip(`mask ${m.width}x${m.height} differs from image ${img.width}x${img.height}`);
            continue;
          }
          mask = thresholdMask(m, 'max', 127);
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          skip(
            code === 'ENOENT' ? `mask file ${row.mask} not found` : `unreadable mask: ${code ?? reasonOf(e)}`,
          );
          continue;
        }
      } else {
        mask = createMask(img.width, img.height);
      }
      // The mask is checked against the true stage when the manifest has one: the `stage` label may
      // carry deliberate label noise (grader variability), which must not make items disappear.
      const truth = row.true_stage ? parseStageLabel(row.true_stage) : null;
      const problem = maskStageProblem(truth ?? stage, countOn(mask), !!opts.allowEmpty);
      if (problem) {
        skip(problem);
        continue;
      }
      await staging.addNew(
        {
          stem: stemOf(file),
          infant: row.infant,
          eye: row.eye ?? '',
          view: row.view ?? '',
          stage,
          split: '',
          augmented_from: '',
        },
        bytes,
        mask,
      );
    }
    opts.onProgress?.(records.length, records.length, 'done');
    return finishImport(
      staging,
      opts,
      { kind: 'phantoms', params: { from: opts.from, allowEmpty: !!opts.allowEmpty } },
      { skipped, warnings },
      { op: 'import-phantoms', params: {} },
    );
  });
}
