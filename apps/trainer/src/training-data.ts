import type { Image8, ImageF32 } from '@ropline/core';
import { readDataset, type DatasetItem, type LoadedDataset, type Split, type Stage } from '@ropline/datasets';
import { maskToImageSize } from '@ropline/models';
import {
  createPreprocessPipeline,
  readImageFile,
  toGray,
  standardize,
  type PreprocessConfig,
} from '@ropline/preprocess';
import { insideDataset } from './files.util.js';

/** Class label of a stage in every model and report ('stage0' = no ROP). */
export function stageLabel(stage: Stage): string {
  return `stage${stage}`;
}

/** One dataset item as a model sees it: preprocessed + standardized image, line mask at model size. */
export interface Sample {
  id: string;
  infant: string;
  eye: string;
  stage: Stage | null;
  /** Preprocessed (paper III-A), standardized, 1 channel, model size. */
  input: ImageF32;
  /** 0/255 line mask at model size (the dataset's mask resized, re-binarized at 128). */
  mask: Image8;
  /** The mask at the source image's own size (for evaluation at full resolution). */
  sourceSize: { width: number; height: number };
}

export interface SampleFilter {
  split: Split | 'all';
  /** Keep only these stages (null = every item, stage-less ones included). */
  stages: readonly Stage[] | null;
  /** Drop augmented copies (evaluation uses originals only). */
  originalsOnly?: boolean;
}

export function selectItems(ds: LoadedDataset, f: SampleFilter): DatasetItem[] {
  return ds.items.filter(
    (it) =>
      (f.split === 'all' || it.split === f.split) &&
      (f.stages === null || (it.stage !== null && f.stages.includes(it.stage))) &&
      (!f.originalsOnly || it.augmented_from === ''),
  );
}

/**
 * Loads items as model inputs with exactly the preprocessing a pipeline applies at inference
 * (createPreprocessPipeline + standardize), so training and serving see the same pixels.
 */
export async function loadSamples(
  ds: LoadedDataset,
  items: readonly DatasetItem[],
  preprocessing: PreprocessConfig,
  onProgress?: (done: number, total: number) => void,
): Promise<Sample[]> {
  const pre = createPreprocessPipeline(preprocessing);
  const { width, height } = preprocessing.resize;
  const out: Sample[] = [];
  for (const it of items) {
    const image = await readImageFile(insideDataset(ds.dir, it.image));
    let mask: Image8;
    if (it.mask) {
      const raw = await readImageFile(insideDataset(ds.dir, it.mask));
      const gray = raw.channels === 1 ? raw : toGray(raw);
      mask = maskToImageSize(gray, width, height);
    } else {
      mask = { data: new Uint8Array(width * height), width, height, channels: 1 };
    }
    out.push({
      id: it.id,
      infant: it.infant,
      eye: it.eye,
      stage: it.stage,
      input: standardize(pre.run(image)),
      mask,
      sourceSize: { width: image.width, height: image.height },
    });
    onProgress?.(out.length, items.length);
  }
  return out;
}

export { readDataset };
