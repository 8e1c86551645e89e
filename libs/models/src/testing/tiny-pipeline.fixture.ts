import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { loadCompactCnnClassifier } from '../classifiers/compact-cnn.classifier.js';
import { loadUnetSegmenter } from '../segmenters/unet.segmenter.js';
import { saveModel } from '../artifacts/model-loader.js';
import { savePipelineManifest } from '../artifacts/pipeline-loader.js';
import type { PipelineKind } from '../ports/pipeline.port.js';

/** Small enough to build in well under a second on the cpu backend. */
export const TINY_SIZE = 32;

/**
 * Writes a pipeline directory of tiny, seeded, *untrained* models: for tests of loading, CLI and
 * plumbing, never for accuracy. Thresholds are lowered so an untrained net still yields instances.
 */
export async function writeTinyPipeline(dir: string, kind: PipelineKind = 'hybrid'): Promise<void> {
  await mkdir(dir, { recursive: true });
  const preprocessing = { resize: { width: TINY_SIZE, height: TINY_SIZE } };
  let segmenter: string | null = null;
  let classifier: string | null = null;
  if (kind !== 'classifier-only') {
    const config = {
      name: 'tiny-unet',
      version: '0.0.1',
      inputSize: TINY_SIZE,
      depth: 2,
      baseFilters: 4,
      head: kind === 'hybrid' ? ('binary' as const) : ('multiclass' as const),
      seed: 11,
      pixelThreshold: 0.3,
      confidenceThreshold: 0,
      preprocessing,
    };
    const seg = await loadUnetSegmenter(config);
    await saveModel(path.join(dir, 'segmenter'), seg, { architecture: 'segmenter-unet', config });
    seg.dispose();
    segmenter = 'segmenter';
  }
  if (kind !== 'segmentation-only') {
    const config = {
      name: 'tiny-cnn',
      version: '0.0.2',
      inputSize: TINY_SIZE,
      inputChannels: kind === 'hybrid' ? (2 as const) : (1 as const),
      blocks: 2,
      baseFilters: 4,
      seed: 12,
      preprocessing,
    };
    const cls = await loadCompactCnnClassifier(config);
    await saveModel(path.join(dir, 'classifier'), cls, { architecture: 'classifier-compact-cnn', config });
    cls.dispose();
    classifier = 'classifier';
  }
  await savePipelineManifest(dir, { kind, name: `tiny-${kind}`, version: '0.0.3', segmenter, classifier });
}
