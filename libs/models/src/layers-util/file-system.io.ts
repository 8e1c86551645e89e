import * as tf from '@tensorflow/tfjs';
import { mkdtemp, open, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { RopError } from '@ropline/core';
// Side effect: model.json 'BatchNormalization' layers load as the Keras-faithful layer.
import './keras-batch-norm.layer.js';

/** File names inside a model directory (tfjs layers format, what tfjs-converter writes). */
export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';

/**
 * `tf.loadLayersModel('file://...')` and `model.save('file://...')` need tfjs-node, which cannot
 * be installed here (STACK.md). This IOHandler reads and writes the same directory layout with
 * node:fs: `model.json` (topology + weightsManifest) and the weight files it names.
 *
 * Loading accepts any number of shards (as tfjs-converter writes them) but refuses paths that
 * leave the directory: model.json is input from outside. Saving writes one `weights.bin` into a
 * temporary sibling directory, fsyncs, then renames it into place, so a reader never sees a half-
 * written model; an existing directory is replaced (moved aside, then removed).
 */
export function fileSystemIO(dir: string): tf.io.IOHandler {
  const root = path.resolve(dir);
  return { load: () => loadArtifacts(root), save: (artifacts) => saveArtifacts(root, artifacts) };
}

async function loadArtifacts(root: string): Promise<tf.io.ModelArtifacts> {
  let modelJSON: tf.io.ModelJSON;
  try {
    modelJSON = JSON.parse(await readFile(path.join(root, MODEL_JSON), 'utf8')) as tf.io.ModelJSON;
  } catch (e) {
    throw new RopError(
      'MODEL.LOAD_FAILED',
      `Cannot read ${MODEL_JSON}: ${(e as Error).message}`,
      {},
      { cause: e },
    );
  }
  if (!modelJSON || typeof modelJSON !== 'object' || !Array.isArray(modelJSON.weightsManifest)) {
    throw new RopError('MODEL.LOAD_FAILED', `${MODEL_JSON} has no weightsManifest (not a tfjs layers model)`);
  }
  return tf.io.getModelArtifactsForJSON(modelJSON, async (manifest) => {
    const buffers: ArrayBuffer[] = [];
    for (const group of manifest) {
      for (const p of group.paths) {
        const file = path.resolve(root, p);
        if (path.dirname(file) !== root) {
          throw new RopError('MODEL.LOAD_FAILED', `Weight path '${p}' leaves the model directory`);
        }
        const bytes = await readFile(file).catch((e: Error) => {
          throw new RopError(
            'MODEL.LOAD_FAILED',
            `Cannot read weights '${p}': ${e.message}`,
            {},
            { cause: e },
          );
        });
        buffers.push(
          bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
        );
      }
    }
    return [tf.io.getWeightSpecs(manifest), tf.io.concatenateArrayBuffers(buffers)];
  });
}

async function saveArtifacts(root: string, artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
  if (artifacts.modelTopology instanceof ArrayBuffer) {
    throw new RopError(
      'MODEL.SAVE_FAILED',
      'Binary (GraphDef) topologies are not supported; save a LayersModel',
    );
  }
  const weights = artifacts.weightData
    ? tf.io.CompositeArrayBuffer.join(artifacts.weightData)
    : new ArrayBuffer(0);
  const modelJSON: tf.io.ModelJSON = {
    modelTopology: artifacts.modelTopology as object,
    format: artifacts.format ?? 'layers-model',
    generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
    convertedBy: artifacts.convertedBy ?? null,
    weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] }],
    ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
    ...(artifacts.signature ? { signature: artifacts.signature } : {}),
    ...(artifacts.userDefinedMetadata ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
  };
  const parent = path.dirname(root);
  const tmp = await mkdtemp(path.join(parent, `.${path.basename(root)}.tmp-`));
  try {
    await writeDurably(path.join(tmp, WEIGHTS_BIN), new Uint8Array(weights));
    await writeDurably(path.join(tmp, MODEL_JSON), JSON.stringify(modelJSON));
    await syncDir(tmp);
    const old = `${tmp}-old`;
    const existed = await stat(root).then(
      () => true,
      () => false,
    );
    if (existed) await rename(root, old);
    await rename(tmp, root);
    await syncDir(parent);
    if (existed) await rm(old, { recursive: true, force: true });
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw new RopError('MODEL.SAVE_FAILED', `Cannot save model: ${(e as Error).message}`, {}, { cause: e });
  }
  return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
}

export async function writeDurably(file: string, data: Uint8Array | string): Promise<void> {
  const fh = await open(file, 'w');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
