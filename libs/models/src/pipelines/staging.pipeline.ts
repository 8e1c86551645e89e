import { RopError, type Image8, type ImageF32 } from '@ropline/core';
import { createPreprocessPipeline, resize, stackChannels, standardize } from '@ropline/preprocess';
import type { Classifier } from '../ports/classifier.port.js';
import type { ModelInfo, ModelRef } from '../ports/model-info.js';
import type { PipelineKind, StageLatencies, StagingPipeline, StagingResult } from '../ports/pipeline.port.js';
import type { SegmentationResult, Segmenter } from '../ports/segmenter.port.js';
import { stageFromSegmentation } from './stage-rule.js';

/** The parts a pipeline is given (it composes them; it never subclasses them). */
export interface PipelineParts {
  segmenter?: Segmenter;
  classifier?: Classifier;
}

function ref(info: ModelInfo): ModelRef {
  return { kind: info.kind, name: info.name, version: info.version };
}

function mismatch(message: string): never {
  throw new RopError('MODEL.PIPELINE_MISMATCH', message);
}

/** Both models of the hybrid must see the same preprocessed pixels, as in training. */
function assertSamePreprocessing(a: ModelInfo, b: ModelInfo): void {
  if (JSON.stringify(a.preprocessing) !== JSON.stringify(b.preprocessing)) {
    mismatch(`${a.name} ${a.version} and ${b.name} ${b.version} were trained with different preprocessing`);
  }
  if (a.inputSize.width !== b.inputSize.width || a.inputSize.height !== b.inputSize.height) {
    mismatch(`${a.name} and ${b.name} take different input sizes`);
  }
}

function checkParts(kind: PipelineKind, p: PipelineParts): { primary: ModelInfo } {
  const seg = p.segmenter?.info;
  const cls = p.classifier?.info;
  if (kind === 'hybrid') {
    if (!seg || !cls) mismatch('the hybrid pipeline needs a segmenter and a classifier');
    if (seg.classes.length !== 1)
      mismatch(`hybrid needs a binary segmenter, ${seg.name} has ${seg.classes.length} classes`);
    if (cls.inputChannels !== 2)
      mismatch(`hybrid needs a 2-channel classifier, ${cls.name} takes ${cls.inputChannels}`);
    assertSamePreprocessing(seg, cls);
    return { primary: seg };
  }
  if (kind === 'classifier-only') {
    if (!cls) mismatch('the classifier-only pipeline needs a classifier');
    if (cls.inputChannels !== 1)
      mismatch(`classifier-only needs a 1-channel classifier, ${cls.name} takes ${cls.inputChannels}`);
    return { primary: cls };
  }
  if (!seg) mismatch('the segmentation-only pipeline needs a segmenter');
  if (seg.classes.length < 2)
    mismatch(`segmentation-only needs a multi-class (per stage) segmenter, ${seg.name} is binary`);
  return { primary: seg };
}

/** Resizes a 0/255 model-size mask to the original image and re-binarizes it at 128. */
export function maskToImageSize(mask: Image8, width: number, height: number): Image8 {
  const out = resize(mask, width, height);
  for (let i = 0; i < out.data.length; i++) out.data[i] = out.data[i] >= 128 ? 255 : 0;
  return out;
}

/**
 * Builds one of the paper's three systems from loaded models:
 * - hybrid: preprocess -> segment -> stack the mask as a 2nd channel -> classify;
 * - classifier-only: preprocess -> classify (1 channel);
 * - segmentation-only: multi-class segmentation, the stage with the largest kept area wins.
 * The pipeline owns the parts: dispose() disposes them.
 */
export function createStagingPipeline(kind: PipelineKind, parts: PipelineParts): StagingPipeline {
  const { primary } = checkParts(kind, parts);
  const pre = createPreprocessPipeline(primary.preprocessing);
  const models = [parts.segmenter, parts.classifier].filter((m) => m !== undefined).map((m) => ref(m.info));
  let disposed = false;

  async function analyze(image: Image8): Promise<StagingResult> {
    if (disposed) throw new RopError('MODEL.DISPOSED', `the ${kind} pipeline was disposed`);
    const t0 = performance.now();
    const input: ImageF32 = standardize(pre.run(image));
    const latencyMs: StageLatencies = { preprocess: performance.now() - t0, total: 0 };
    let segmentation: SegmentationResult | null = null;
    let stage: string;
    let probabilities: Record<string, number>;
    if (parts.segmenter) {
      const t = performance.now();
      segmentation = await parts.segmenter.segment(input);
      latencyMs.segment = performance.now() - t;
    }
    if (kind === 'segmentation-only') {
      const decision = stageFromSegmentation(segmentation!);
      stage = decision.stage;
      probabilities = decision.fractions;
    } else {
      let t = performance.now();
      const x = kind === 'hybrid' ? stackChannels(input, segmentation!.mask) : input;
      if (kind === 'hybrid') latencyMs.stack = performance.now() - t;
      t = performance.now();
      const c = await parts.classifier!.classify(x);
      latencyMs.classify = performance.now() - t;
      stage = c.label;
      probabilities = Object.fromEntries(c.classes.map((label, i) => [label, c.probabilities[i]]));
    }
    const maskAtInputSize = segmentation
      ? maskToImageSize(segmentation.mask, image.width, image.height)
      : null;
    latencyMs.total = performance.now() - t0;
    return { pipeline: kind, stage, probabilities, segmentation, maskAtInputSize, models, latencyMs };
  }

  return {
    kind,
    models,
    analyze,
    dispose() {
      if (disposed) return;
      disposed = true;
      parts.segmenter?.dispose();
      parts.classifier?.dispose();
    },
  };
}
