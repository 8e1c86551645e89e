import type * as tf from '@tensorflow/tfjs';
import { RopError, type PluginContext } from '@ropline/core';
import { MODEL_REGISTRY } from '../model-plugins.js';
import type { Classifier } from '../ports/classifier.port.js';
import type { ModelInfo } from '../ports/model-info.js';
import type { Segmenter } from '../ports/segmenter.port.js';
import {
  checkModelAgainstManifest,
  readModelManifest,
  saveModelArtifact,
  verifyArtifactFiles,
} from './model-artifact.js';
import type { ModelManifest, ModelManifestInput } from './model-manifest.schema.js';

/** A loaded model: the port plus its tf model (owned by it) and the manifest it came from. */
export type LoadedModel = (Segmenter | Classifier) & { readonly model: tf.LayersModel };

const SILENT: PluginContext = { log: () => undefined };

/**
 * Loads a model artifact directory: manifest, sha256 of every file, then the architecture named
 * by the manifest built from its recorded config with this directory's weights. The result is
 * checked against the manifest (input, classes, preprocessing) so a worker can trust both.
 */
export async function loadModel(
  dir: string,
  ctx: PluginContext = SILENT,
): Promise<{ model: LoadedModel; manifest: ModelManifest }> {
  const manifest = await readModelManifest(dir);
  await verifyArtifactFiles(dir, manifest);
  const config = { ...manifest.config, name: manifest.name, version: manifest.version, weightsDir: dir };
  const model = await MODEL_REGISTRY.create<LoadedModel>(manifest.kind, manifest.architecture, config, ctx);
  try {
    checkModelAgainstManifest(model.model, manifest);
    checkInfo(model.info, manifest);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return { model, manifest };
}

function checkInfo(info: ModelInfo, m: ModelManifest): void {
  const same =
    info.kind === m.kind &&
    JSON.stringify(info.classes) === JSON.stringify(m.classes) &&
    info.inputChannels === m.input.channels &&
    JSON.stringify(info.preprocessing) === JSON.stringify(m.preprocessing);
  if (!same) {
    throw new RopError(
      'MODEL.MANIFEST_MISMATCH',
      `${m.name} ${m.version}: the model built from the manifest's config disagrees with the manifest (kind, classes, channels or preprocessing)`,
    );
  }
}

export interface SaveModelOptions {
  /** Plugin id of the architecture, e.g. 'segmenter-unet'. */
  architecture: string;
  /** The config the model was built from (weightsDir / pretrained are dropped: the artifact holds the weights). */
  config: Record<string, unknown>;
  training?: ModelManifestInput['training'];
  metrics?: Record<string, number>;
}

/** Saves a trained model with a manifest derived from its info and the config it was built from. */
export async function saveModel(
  dir: string,
  model: LoadedModel,
  opts: SaveModelOptions,
): Promise<ModelManifest> {
  const { weightsDir: _w, pretrained: _p, name: _n, version: _v, ...config } = opts.config;
  const { info } = model;
  MODEL_REGISTRY.get(info.kind, opts.architecture);
  return saveModelArtifact(dir, model.model, {
    kind: info.kind,
    architecture: opts.architecture,
    name: info.name,
    version: info.version,
    classes: info.classes,
    input: { width: info.inputSize.width, height: info.inputSize.height, channels: info.inputChannels },
    preprocessing: info.preprocessing,
    config,
    training: opts.training,
    metrics: opts.metrics,
  });
}
