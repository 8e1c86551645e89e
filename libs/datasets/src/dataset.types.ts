import { RopError } from '@ropline/core';

/** The on-disk format tag written into every `dataset.json`. */
export const DATASET_FORMAT = 'ropline-dataset/1';

/** ROP stages a dataset may label (0 = no ROP). `null` = unknown (segmentation-only data). */
export const STAGES = [0, 1, 2, 3] as const;
export type Stage = (typeof STAGES)[number];

export const SPLITS = ['train', 'test', 'validation'] as const;
export type Split = (typeof SPLITS)[number];

/** The columns of `items.csv`, in order. */
export const ITEM_COLUMNS = [
  'id',
  'infant',
  'eye',
  'view',
  'stage',
  'image',
  'mask',
  'split',
  'augmented_from',
  'image_sha256',
  'mask_sha256',
] as const;

/** One row of `items.csv`. Paths are relative to the dataset folder; '' means absent. */
export interface DatasetItem {
  id: string;
  /** The grouping key (an infant, or a camera + original id): never split across train/test/validation. */
  infant: string;
  eye: string;
  view: string;
  stage: Stage | null;
  image: string;
  mask: string;
  split: Split | '';
  augmented_from: string;
  image_sha256: string;
  mask_sha256: string;
}

/** An input that was not imported, and why. */
export interface SkippedItem {
  file: string;
  reason: string;
}

export type SourceKind = 'via' | 'masks' | 'phantoms';

/** One operation in the dataset's lineage (import, split, augment) with its parameters. */
export interface HistoryEntry {
  op: string;
  at: string;
  params: Record<string, string | number | boolean | null>;
  /** The content hash before the operation (absent for imports). */
  parentHash?: string;
}

export interface DatasetCounts {
  total: number;
  originals: number;
  augmented: number;
  /** Key: stage '0'..'3' or 'unknown'. */
  byStage: Record<string, number>;
  /** Key: 'train' | 'test' | 'validation' | 'unassigned'. */
  bySplit: Record<string, number>;
  /** split -> stage -> count. */
  byStageAndSplit: Record<string, Record<string, number>>;
}

/** `dataset.json`. */
export interface DatasetManifest {
  format: typeof DATASET_FORMAT;
  name: string;
  source: { kind: SourceKind; params: Record<string, string | number | boolean | null> };
  createdAt: string;
  /** 'classification+segmentation' when every item has a stage, 'segmentation' otherwise. */
  task: 'classification+segmentation' | 'segmentation';
  /** The stages present, ascending. */
  classes: Stage[];
  counts: DatasetCounts;
  /** sha256 over the sorted item records and the sha256 of every image and mask file. */
  hash: string;
  skipped: SkippedItem[];
  /** Things imported with a caveat (e.g. a polygon clipped to the image, a group regex that did not match). */
  warnings: SkippedItem[];
  history: HistoryEntry[];
}

/** Error codes of this library (the CLI maps them to exit code 2). */
export const DATASET_INVALID = 'DATASET.INVALID';
export const DATASET_BAD_OPTION = 'DATASET.BAD_OPTION';
export const DATASET_EMPTY = 'DATASET.EMPTY';
export const DATASET_EXISTS = 'DATASET.EXISTS';

export function badOption(message: string): never {
  throw new RopError(DATASET_BAD_OPTION, message);
}

/** Progress callback for long work: `done` of `total` units, with a short label. */
export type ProgressFn = (done: number, total: number, label: string) => void;

/** Parses a stage label: 0..3, '2', 'stage 2', 'Stage2', 'ROP 2'; anything else is null. */
export function parseStageLabel(value: unknown): Stage | null {
  if (typeof value === 'number')
    return (STAGES as readonly number[]).includes(value) ? (value as Stage) : null;
  if (typeof value !== 'string') return null;
  const m = /^\s*(?:(?:stage|rop)\s*)?([0-3])\s*$/i.exec(value);
  return m ? (Number(m[1]) as Stage) : null;
}

export function stageKey(stage: Stage | null): string {
  return stage === null ? 'unknown' : String(stage);
}
