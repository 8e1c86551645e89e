import * as tf from '@tensorflow/tfjs';
import { RopError } from '@ropline/core';
import { fileSystemIO } from './file-system.io.js';

/**
 * Transfer learning as in the paper (III-B): build the architecture anew for this task's input
 * channels and classes, copy the pretrained weights layer by layer by name where every shape
 * matches, keep the fresh random initialisation where it does not (the first conv when the channel
 * count changed, the final dense when the class count changed), then freeze:
 * - 'heads': only the re-initialised layers and the named head layers train (the paper's Mask
 *   R-CNN: "we unfreeze only the heads");
 * - 'all': every layer trains (the paper's Inception v3: "we unfreeze all layers").
 * Frozen BatchNormalization layers (layers-util/keras-batch-norm.layer.ts) also stop updating
 * their moving statistics. tfjs reads `trainable` when the model is compiled: compile after this.
 */
export type FreezePolicy = 'heads' | 'all';

export type WeightsSource = string | tf.io.IOHandler;

export interface TransferOptions {
  freeze: FreezePolicy;
  /** Layers that train under 'heads' even though their weights were copied (e.g. a top dense). */
  headLayers?: readonly string[];
}

export interface TransferReport {
  /** Layers whose weights were all copied from the source. */
  copied: string[];
  /** Layers the source has with other shapes: they keep their fresh random weights. */
  reinitialised: { layer: string; reason: string }[];
  /** Layers with weights the source does not have at all (fresh random weights). */
  notInSource: string[];
  /** Source layers the target has no use for. */
  unusedSource: string[];
  /** Layers with weights left trainable by the freeze policy. */
  trainable: string[];
}

/** `layer/weight` from a tfjs/Keras weight name ('model/conv2d/kernel:0' -> 'conv2d/kernel'). */
function shortName(name: string): string {
  return name.replace(/:\d+$/, '').split('/').slice(-2).join('/');
}

/** Reads a tfjs layers model's weights by short name. The caller disposes the tensors. */
export async function readNamedWeights(source: WeightsSource): Promise<Map<string, tf.Tensor>> {
  const handler = typeof source === 'string' ? fileSystemIO(source) : source;
  if (!handler.load) throw new RopError('MODEL.LOAD_FAILED', 'The weights source cannot load');
  const artifacts = await handler.load();
  if (!artifacts.weightSpecs || !artifacts.weightData) {
    throw new RopError('MODEL.LOAD_FAILED', 'The weights source holds no weights');
  }
  const decoded = tf.io.decodeWeights(artifacts.weightData, artifacts.weightSpecs);
  const byName = new Map<string, tf.Tensor>();
  for (const [name, tensor] of Object.entries(decoded)) {
    const key = shortName(name);
    if (byName.has(key)) {
      tf.dispose([...byName.values(), ...Object.values(decoded)]);
      throw new RopError('MODEL.LOAD_FAILED', `Two source weights are both named '${key}'`);
    }
    byName.set(key, tensor);
  }
  return byName;
}

interface Matching {
  report: Omit<TransferReport, 'trainable'>;
  /** Per copied layer: the source tensors in the layer's weight order. */
  copies: [tf.layers.Layer, tf.Tensor[]][];
}

function matchLayers(target: tf.LayersModel, source: Map<string, tf.Tensor>): Matching {
  const report: Matching['report'] = { copied: [], reinitialised: [], notInSource: [], unusedSource: [] };
  const copies: Matching['copies'] = [];
  const used = new Set<string>();
  for (const layer of target.layers) {
    if (layer.weights.length === 0) continue;
    const names = layer.weights.map((w) => `${layer.name}/${shortName(w.originalName).split('/').pop()}`);
    const found = names.map((n) => source.get(n));
    names.forEach((n, i) => {
      if (found[i]) used.add(n);
    });
    if (found.every((t) => t === undefined)) {
      report.notInSource.push(layer.name);
      continue;
    }
    const problems = layer.weights.flatMap((w, i) => {
      const t = found[i];
      const want = JSON.stringify(w.shape);
      if (!t) return [`${names[i]} missing`];
      return JSON.stringify(t.shape) === want ? [] : [`${names[i]} ${JSON.stringify(t.shape)} -> ${want}`];
    });
    if (problems.length > 0) report.reinitialised.push({ layer: layer.name, reason: problems.join('; ') });
    else {
      report.copied.push(layer.name);
      copies.push([layer, found as tf.Tensor[]]);
    }
  }
  const unused = new Set([...source.keys()].filter((k) => !used.has(k)).map((k) => k.split('/')[0]));
  report.unusedSource = [...unused];
  return { report, copies };
}

/**
 * Copies `source` weights into `target` (built fresh, randomly initialised, with the new input
 * channels / classes) and applies the freeze policy. Returns what happened, for logs and manifests.
 */
export async function transferWeights(
  target: tf.LayersModel,
  source: WeightsSource,
  options: TransferOptions,
): Promise<TransferReport> {
  const weights = await readNamedWeights(source);
  try {
    const { report, copies } = matchLayers(target, weights);
    for (const [layer, tensors] of copies) layer.setWeights(tensors);
    const heads = new Set([
      ...report.reinitialised.map((r) => r.layer),
      ...report.notInSource,
      ...(options.headLayers ?? []),
    ]);
    return { ...report, trainable: applyFreezePolicy(target, options.freeze, heads) };
  } finally {
    tf.dispose([...weights.values()]);
  }
}

/** Sets `trainable` per layer; returns the trainable layers that have weights. */
export function applyFreezePolicy(
  model: tf.LayersModel,
  policy: FreezePolicy,
  heads: ReadonlySet<string>,
): string[] {
  const trainable: string[] = [];
  for (const layer of model.layers) {
    layer.trainable = policy === 'all' || heads.has(layer.name);
    if (layer.trainable && layer.weights.length > 0) trainable.push(layer.name);
  }
  return trainable;
}

/**
 * Loads this very model's trained weights: every layer must be found with the same shapes
 * (RopError MODEL.LOAD_FAILED otherwise). Trainability is left as it is.
 */
export async function loadWeightsStrict(target: tf.LayersModel, source: WeightsSource): Promise<void> {
  const weights = await readNamedWeights(source);
  try {
    const { report, copies } = matchLayers(target, weights);
    const wrong = [
      ...report.reinitialised.map((r) => r.reason),
      ...report.notInSource.map((l) => `${l} missing`),
      ...report.unusedSource.map((l) => `${l} unexpected`),
    ];
    if (wrong.length > 0) {
      throw new RopError(
        'MODEL.LOAD_FAILED',
        `Weights do not fit ${target.name}: ${wrong.slice(0, 5).join('; ')}${wrong.length > 5 ? '; ...' : ''}`,
        { mismatches: wrong.length },
      );
    }
    for (const [layer, tensors] of copies) layer.setWeights(tensors);
  } finally {
    tf.dispose([...weights.values()]);
  }
}
