import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { RopError, type Image8, type PluginContext } from '@ropline/core';
import { createPreprocessPipeline, standardize } from '@ropline/preprocess';
import { z } from 'zod';
import type { Classifier } from '../ports/classifier.port.js';
import type { SegmentationResult, Segmenter } from '../ports/segmenter.port.js';
import type { StagingPipeline } from '../ports/pipeline.port.js';
import { createStagingPipeline, maskToImageSize } from '../pipelines/staging.pipeline.js';
import { writeDurably } from '../layers-util/file-system.io.js';
import { loadModel } from './model-loader.js';
import { MODEL_MANIFEST_FILE } from './model-manifest.schema.js';

import {
  PIPELINE_MANIFEST_FILE,
  pipelineManifestSchema,
  type PipelineManifest,
} from './pipeline-manifest.schema.js';

export { PIPELINE_MANIFEST_FILE, pipelineManifestSchema, type PipelineManifest };

async function readPipelineManifest(dir: string): Promise<PipelineManifest> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path.join(dir, PIPELINE_MANIFEST_FILE), 'utf8'));
  } catch (e) {
    throw new RopError(
      'MODEL.ARTIFACT_INVALID',
      `${dir} is not a pipeline directory: cannot read ${PIPELINE_MANIFEST_FILE} (${(e as Error).message})`,
      {},
      { cause: e },
    );
  }
  const parsed = pipelineManifestSchema.safeParse(raw);
  if (!parsed.success)
    throw new RopError(
      'MODEL.ARTIFACT_INVALID',
      `${PIPELINE_MANIFEST_FILE}: ${z.prettifyError(parsed.error)}`,
    );
  return parsed.data;
}

/** Writes pipeline.json (fsynced) into `dir`, whose sub-directories hold the model artifacts. */
export async function savePipelineManifest(
  dir: string,
  manifest: z.input<typeof pipelineManifestSchema>,
): Promise<PipelineManifest> {
  const m = pipelineManifestSchema.parse(manifest);
  await writeDurably(path.join(dir, PIPELINE_MANIFEST_FILE), `${JSON.stringify(m, null, 2)}\n`);
  return m;
}

/** Loads every model a pipeline directory names (verified) and composes the pipeline. */
export async function loadPipeline(dir: string, ctx?: PluginContext): Promise<StagingPipeline> {
  const m = await readPipelineManifest(dir);
  const loaded: { segmenter?: Segmenter; classifier?: Classifier } = {};
  try {
    if (m.segmenter)
      loaded.segmenter = (await loadModel(path.join(dir, m.segmenter), ctx)).model as Segmenter;
    if (m.classifier)
      loaded.classifier = (await loadModel(path.join(dir, m.classifier), ctx)).model as Classifier;
    return createStagingPipeline(m.kind, loaded);
  } catch (e) {
    loaded.segmenter?.dispose();
    loaded.classifier?.dispose();
    throw e;
  }
}

export interface SegmenterRunner {
  segmenter: Segmenter;
  /** Preprocess as in training, standardize, segment; the mask also at the image's own size. */
  run(image: Image8): Promise<SegmentationResult & { maskAtInputSize: Image8 }>;
}

/** A segmenter from a model artifact directory, or the one a pipeline directory names. */
export async function loadSegmenterFrom(dir: string, ctx?: PluginContext): Promise<SegmenterRunner> {
  let modelDir = dir;
  const isModel = await readFile(path.join(dir, MODEL_MANIFEST_FILE)).then(
    () => true,
    () => false,
  );
  if (!isModel) {
    const m = await readPipelineManifest(dir);
    if (!m.segmenter)
      throw new RopError('MODEL.ARTIFACT_INVALID', `the ${m.kind} pipeline in ${dir} has no segmenter`);
    modelDir = path.join(dir, m.segmenter);
  }
  const { model } = await loadModel(modelDir, ctx);
  if (model.info.kind !== 'segmenter') {
    model.dispose();
    throw new RopError('MODEL.ARTIFACT_INVALID', `${modelDir} holds a ${model.info.kind}, not a segmenter`);
  }
  const segmenter = model as Segmenter;
  const pre = createPreprocessPipeline(segmenter.info.preprocessing);
  return {
    segmenter,
    async run(image) {
      const seg = await segmenter.segment(standardize(pre.run(image)));
      return { ...seg, maskAtInputSize: maskToImageSize(seg.mask, image.width, image.height) };
    },
  };
}
