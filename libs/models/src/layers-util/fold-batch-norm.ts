import * as tf from '@tensorflow/tfjs';
// Registers KerasBatchNormalization as 'BatchNormalization' for the BN layers that are not folded.
import './keras-batch-norm.layer.js';

/**
 * Inference-only copy of `model` with every BatchNormalization folded into the Conv2D /
 * DepthwiseConv2D before it (and a following ReLU into the conv's activation), so a backend runs
 * one fused conv + bias + relu kernel instead of conv, batch norm and relu:
 *   W' = W * gamma / sqrt(var + eps) (per output channel), b' = beta + (b - mean) * gamma / sqrt(var + eps)
 * (gamma = 1 without `scale`, beta = 0 without `center`, b = 0 without bias). A conv is folded only
 * when its single output feeds exactly one BatchNormalization over the channel axis and nothing
 * else; the ReLU (Activation('relu') or ReLU() without maxValue / threshold / negativeSlope) only
 * when it is the BN's only consumer. Every other layer is kept with its weights.
 *
 * The copy is a new model with its own weights (the caller disposes it); `model` is untouched. It
 * is a snapshot: it computes what `model` computes in inference mode at the time of the call, so a
 * model trained afterwards must be folded again. Never train the copy (it has no batch norm).
 */
export function foldBatchNormForInference(model: tf.LayersModel): tf.LayersModel {
  const config = model.getConfig() as unknown as ModelConfig;
  const layers = config.layers;
  // A tf.Sequential's config has no inbound nodes: copied as it is (its class rebuilds it).
  if (!Array.isArray(layers) || !layers.every((l) => Array.isArray(l.inboundNodes)))
    return cloneModel(model, config, new Map());
  const byName = new Map(layers.map((l) => [l.name, l]));

  // Consumers of each layer (one entry per reference, from inbound nodes and model outputs).
  const consumers = new Map<string, string[]>();
  const addUse = (producer: string, consumer: string) =>
    consumers.set(producer, [...(consumers.get(producer) ?? []), consumer]);
  for (const l of layers) for (const node of l.inboundNodes) for (const ref of node) addUse(ref[0], l.name);
  for (const ref of config.outputLayers) addUse(ref[0], '(output)');

  const folds = new Map<string, Fold>(); // conv name -> fold
  const replace = new Map<string, string>(); // removed layer name -> conv name
  for (const conv of layers) {
    if (!FOLDABLE_CONVS.has(conv.className) || !singleCall(conv)) continue;
    const cc = conv.config;
    if (cc['activation'] !== 'linear' || (cc['dataFormat'] ?? 'channelsLast') !== 'channelsLast') continue;
    const convUses = consumers.get(conv.name) ?? [];
    if (convUses.length !== 1) continue;
    const bn = byName.get(convUses[0]);
    if (!bn || bn.className !== 'BatchNormalization' || !singleCall(bn)) continue;
    const axis = bn.config['axis'] as number | undefined;
    if (axis !== undefined && axis !== -1 && axis !== 3) continue;
    const fold: Fold = { conv: conv.name, bn: bn.name, relu: null };
    const bnUses = consumers.get(bn.name) ?? [];
    const act = bnUses.length === 1 ? byName.get(bnUses[0]) : undefined;
    if (act && singleCall(act) && isPlainRelu(act)) fold.relu = act.name;
    folds.set(conv.name, fold);
    replace.set(bn.name, conv.name);
    if (fold.relu) replace.set(fold.relu, conv.name);
  }

  const removed = new Set(replace.keys());
  const rewire = (ref: NodeRef): NodeRef => {
    const to = replace.get(ref[0]);
    return to === undefined ? ref : ([to, 0, 0, ...ref.slice(3)] as NodeRef);
  };
  const newConfig: ModelConfig = {
    ...config,
    layers: layers
      .filter((l) => !removed.has(l.name))
      .map((l) => {
        const fold = folds.get(l.name);
        const layerConfig = fold
          ? { ...l.config, useBias: true, activation: fold.relu ? 'relu' : 'linear' }
          : l.config;
        return { ...l, config: layerConfig, inboundNodes: l.inboundNodes.map((n) => n.map(rewire)) };
      }),
    outputLayers: config.outputLayers.map(rewire),
  };
  return cloneModel(model, newConfig, folds);
}

type NodeRef = [string, number, number, ...unknown[]];
interface LayerConfig {
  name: string;
  className: string;
  config: Record<string, unknown>;
  inboundNodes: NodeRef[][];
}
interface ModelConfig {
  name: string;
  layers: LayerConfig[];
  inputLayers: NodeRef[];
  outputLayers: NodeRef[];
}
interface Fold {
  conv: string;
  bn: string;
  relu: string | null;
}

const FOLDABLE_CONVS = new Set(['Conv2D', 'DepthwiseConv2D']);

/** Called once, on one tensor (a shared layer is never folded). */
function singleCall(l: LayerConfig): boolean {
  return l.inboundNodes.length === 1 && l.inboundNodes[0].length === 1;
}

function isPlainRelu(l: LayerConfig): boolean {
  if (l.className === 'Activation') return l.config['activation'] === 'relu';
  if (l.className !== 'ReLU') return false;
  const { maxValue, threshold, negativeSlope } = l.config;
  return maxValue == null && !threshold && !negativeSlope;
}

/** Builds `config` as a new model and fills its weights from `model`, folding where asked. */
function cloneModel(model: tf.LayersModel, config: ModelConfig, folds: Map<string, Fold>): tf.LayersModel {
  const cls = model instanceof tf.Sequential ? tf.Sequential : tf.LayersModel;
  const folded = cls.fromConfig(
    cls,
    config as unknown as tf.serialization.ConfigDict,
    {},
    true,
  ) as tf.LayersModel;
  try {
    for (const layer of folded.layers) {
      const fold = folds.get(layer.name);
      if (!fold) {
        // getWeights() returns the variables' values; setWeights() assigns them by reference.
        layer.setWeights(model.getLayer(layer.name).getWeights());
        continue;
      }
      const weights = foldedWeights(model.getLayer(fold.conv), model.getLayer(fold.bn));
      layer.setWeights(weights);
      tf.dispose(weights);
    }
  } catch (e) {
    folded.dispose();
    throw e;
  }
  return folded;
}

/** [kernel', bias'] for a conv followed by a batch norm over its output channels. */
function foldedWeights(conv: tf.layers.Layer, bn: tf.layers.Layer): tf.Tensor[] {
  const cc = conv.getConfig();
  const bc = bn.getConfig();
  const convWeights = conv.getWeights();
  const kernel = convWeights[0];
  const bnWeights = [...bn.getWeights()];
  const gamma = bc['scale'] === false ? null : bnWeights.shift()!;
  const beta = bc['center'] === false ? null : bnWeights.shift()!;
  const [mean, variance] = bnWeights;
  const eps = bc['epsilon'] as number;
  const channels = mean.size;

  // In float64 on the CPU: the folded weights are as exact as float32 can hold them.
  const m = mean.dataSync();
  const v = variance.dataSync();
  const g = gamma?.dataSync();
  const bt = beta?.dataSync();
  const b = cc['useBias'] ? convWeights[1].dataSync() : null;
  const factor = new Float64Array(channels);
  const bias = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    factor[c] = (g ? g[c] : 1) / Math.sqrt(v[c] + eps);
    bias[c] = (bt ? bt[c] : 0) + ((b ? b[c] : 0) - m[c]) * factor[c];
  }
  // Conv2D kernel [kh, kw, in, out]: the output channel is the last axis. DepthwiseConv2D kernel
  // [kh, kw, in, multiplier]: output channel = in * multiplier + m, i.e. the last two axes flattened.
  const k = kernel.dataSync();
  const w = new Float32Array(k.length);
  for (let i = 0; i < k.length; i++) w[i] = k[i] * factor[i % channels];
  if (k.length % channels !== 0) throw new Error(`foldBatchNorm: ${conv.name} does not match ${bn.name}`);
  return [tf.tensor(w, kernel.shape, 'float32'), tf.tensor1d(bias, 'float32')];
}

/** A folded inference copy of a model that follows it: see `createFoldedInference`. */
export interface FoldedInference {
  /** The folded copy, re-folded first when any weight of the model changed since the last fold. */
  current(): tf.LayersModel;
  dispose(): void;
}

/**
 * Keeps a folded copy (foldBatchNormForInference) of `model` for prediction. Training, setWeights
 * or loading weights replaces a variable's data (tf.Variable.assign gives it a new dataId), so
 * `current()` compares the variables' data ids with those at the last fold and folds again when
 * one changed: a model trained in place is never predicted with stale weights. Folds eagerly.
 */
export function createFoldedInference(model: tf.LayersModel): FoldedInference {
  const snapshot = () => model.weights.map((w) => (w.read() as unknown as { dataId: object }).dataId);
  let ids = snapshot();
  let folded: tf.LayersModel | null = foldBatchNormForInference(model);
  return {
    current() {
      if (!folded) throw new Error('createFoldedInference: disposed');
      const now = snapshot();
      if (now.length !== ids.length || now.some((id, i) => id !== ids[i])) {
        const next = foldBatchNormForInference(model);
        folded.dispose();
        folded = next;
        ids = now;
      }
      return folded;
    },
    dispose() {
      folded?.dispose();
      folded = null;
    },
  };
}
