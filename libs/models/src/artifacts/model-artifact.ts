import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { loadLayersModel } from '@tensorflow/tfjs';
import { RopError } from '@ropline/core';
import { z } from 'zod';
import { MODEL_JSON, fileSystemIO, writeDurably } from '../layers-util/file-system.io.js';
import {
  MODEL_MANIFEST_FILE,
  MODEL_MANIFEST_FORMAT,
  modelManifestSchema,
  type ModelManifest,
  type ModelManifestInput,
} from './model-manifest.schema.js';

export interface LoadedArtifact {
  manifest: ModelManifest;
  model: tf.LayersModel;
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Saves `model` as an artifact directory: tfjs model.json + weights, then manifest.json pinning
 * every file by sha256. Written into a temporary sibling and renamed into place, so `dir` is either
 * the complete old artifact or the complete new one, never a mix.
 */
export async function saveModelArtifact(
  dir: string,
  model: tf.LayersModel,
  input: ModelManifestInput,
): Promise<ModelManifest> {
  const root = path.resolve(dir);
  const staging = await mkdtemp(path.join(path.dirname(root), `.${path.basename(root)}.artifact-`));
  const modelDir = path.join(staging, 'a');
  try {
    await model.save(fileSystemIO(modelDir));
    const files = [];
    for (const name of (await readdir(modelDir)).sort()) {
      const bytes = new Uint8Array(await readFile(path.join(modelDir, name)));
      files.push({ name, sha256: sha256(bytes), bytes: bytes.length });
    }
    const parsed = modelManifestSchema.safeParse({
      ...input,
      format: MODEL_MANIFEST_FORMAT,
      createdAt: input.createdAt ?? new Date().toISOString(),
      files,
    });
    if (!parsed.success) {
      throw new RopError(
        'MODEL.ARTIFACT_INVALID',
        `Invalid model manifest: ${z.prettifyError(parsed.error)}`,
      );
    }
    checkModelAgainstManifest(model, parsed.data);
    await writeDurably(path.join(modelDir, MODEL_MANIFEST_FILE), `${JSON.stringify(parsed.data, null, 2)}\n`);
    const old = `${staging}-old`;
    const existed = await stat(root).then(
      () => true,
      () => false,
    );
    if (existed) await rename(root, old);
    await rename(modelDir, root);
    if (existed) await rm(old, { recursive: true, force: true });
    return parsed.data;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** Reads and validates manifest.json alone (cheap: no weights). */
export async function readModelManifest(dir: string): Promise<ModelManifest> {
  const file = path.join(path.resolve(dir), MODEL_MANIFEST_FILE);
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new RopError(
      'MODEL.ARTIFACT_INVALID',
      `${dir} is not a model artifact: cannot read ${MODEL_MANIFEST_FILE} (${(e as Error).message})`,
      {},
      { cause: e },
    );
  }
  const parsed = modelManifestSchema.safeParse(raw);
  if (!parsed.success) {
    throw new RopError('MODEL.ARTIFACT_INVALID', `${file}: ${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}

/** Verifies every pinned file's size and sha256; a changed or missing byte is refused. */
export async function verifyArtifactFiles(dir: string, manifest: ModelManifest): Promise<void> {
  const root = path.resolve(dir);
  if (!manifest.files.some((f) => f.name === MODEL_JSON)) {
    throw new RopError('MODEL.ARTIFACT_INVALID', `${MODEL_MANIFEST_FILE} does not pin ${MODEL_JSON}`);
  }
  for (const f of manifest.files) {
    const bytes = await readFile(path.join(root, f.name)).catch((e: Error) => {
      throw new RopError('MODEL.CHECKSUM_MISMATCH', `Artifact file ${f.name} is missing: ${e.message}`);
    });
    if (bytes.length !== f.bytes || sha256(bytes) !== f.sha256) {
      throw new RopError(
        'MODEL.CHECKSUM_MISMATCH',
        `Artifact file ${f.name} does not match its sha256 in ${MODEL_MANIFEST_FILE} (corrupted or modified)`,
        { file: f.name },
      );
    }
  }
}

/** Checks the network's input shape and output width against what the manifest promises. */
export function checkModelAgainstManifest(model: tf.LayersModel, m: ModelManifest): void {
  const inShape = model.inputs[0]?.shape ?? [];
  const [, h, w, c] = inShape;
  if (h !== m.input.height || w !== m.input.width || c !== m.input.channels) {
    throw new RopError(
      'MODEL.MANIFEST_MISMATCH',
      `Model input is [${inShape.join(',')}] but the manifest says ${m.input.height}x${m.input.width}x${m.input.channels}`,
    );
  }
  const outShape = model.outputs[0]?.shape ?? [];
  const units = outShape[outShape.length - 1];
  // Classifiers: one unit per class. Segmenters: 1 (binary sigmoid) or background + one per class.
  const expected = m.kind === 'classifier' ? [m.classes.length] : [1, m.classes.length + 1];
  if (!expected.includes(units ?? -1)) {
    throw new RopError(
      'MODEL.MANIFEST_MISMATCH',
      `Model output has ${units} channels; manifest classes [${m.classes.join(', ')}] need ${expected.join(' or ')}`,
    );
  }
}

/** Loads an artifact: manifest, hashes, then weights; the model is checked against the manifest. */
export async function loadModelArtifact(dir: string): Promise<LoadedArtifact> {
  const manifest = await readModelManifest(dir);
  await verifyArtifactFiles(dir, manifest);
  let model: tf.LayersModel;
  try {
    model = await loadLayersModel(fileSystemIO(dir));
  } catch (e) {
    if (e instanceof RopError) throw e;
    throw new RopError('MODEL.LOAD_FAILED', `Cannot load ${dir}: ${(e as Error).message}`, {}, { cause: e });
  }
  try {
    checkModelAgainstManifest(model, manifest);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return { manifest, model };
}
