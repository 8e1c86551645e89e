import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { RopError } from '@ropline/core';
import {
  MODEL_MANIFEST_FILE,
  PIPELINE_MANIFEST_FILE,
  pipelineManifestSchema,
  readModelManifest,
  verifyArtifactFiles,
} from '@ropline/models';
import { z } from 'zod';

export type ArtifactKind = 'segmenter' | 'classifier' | 'pipeline';

/** What registration needs to know about a verified artifact directory. */
export interface InspectedArtifact {
  kind: ArtifactKind;
  /** Absolute directory the artifact was read from. */
  dir: string;
  name: string;
  version: string;
  /** Model: sha256 of manifest.json. Pipeline: see `pipelineDigest`. */
  sha256: string;
  datasetHash: string | null;
  metrics: Record<string, unknown>;
  /** Architecture plugin id (models) or pipeline kind (hybrid, ...). */
  detail: string;
  /** Every file that makes up the artifact, relative to its directory (validated plain names). */
  files: string[];
  components: { segmenter: InspectedArtifact | null; classifier: InspectedArtifact | null };
}

const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');

/**
 * A pipeline's identity: pipeline.json does not hash its components, so the registry's sha256 for
 * a pipeline covers pipeline.json's bytes and each component's manifest sha256 (which in turn pins
 * every weight file). Two pipelines with the same pipeline.json but other models differ.
 */
export function pipelineDigest(
  pipelineJsonSha: string,
  segmenter: string | null,
  classifier: string | null,
): string {
  return sha256(`ropline-pipeline-digest/1\n${pipelineJsonSha}\n${segmenter ?? '-'}\n${classifier ?? '-'}\n`);
}

async function isFile(p: string): Promise<boolean> {
  return stat(p).then(
    (s) => s.isFile(),
    () => false,
  );
}

async function inspectModel(
  dir: string,
  expectKind?: 'segmenter' | 'classifier',
): Promise<InspectedArtifact> {
  const manifest = await readModelManifest(dir);
  await verifyArtifactFiles(dir, manifest);
  if (expectKind && manifest.kind !== expectKind) {
    throw new RopError(
      'MODEL.ARTIFACT_INVALID',
      `${dir} holds a ${manifest.kind} where the pipeline names a ${expectKind}`,
    );
  }
  return {
    kind: manifest.kind,
    dir: path.resolve(dir),
    name: manifest.name,
    version: manifest.version,
    sha256: sha256(await readFile(path.join(dir, MODEL_MANIFEST_FILE))),
    datasetHash: manifest.training.datasetHash,
    metrics: manifest.metrics,
    detail: manifest.architecture,
    files: [MODEL_MANIFEST_FILE, ...manifest.files.map((f) => f.name)],
    components: { segmenter: null, classifier: null },
  };
}

async function inspectPipeline(dir: string): Promise<InspectedArtifact> {
  const bytes = await readFile(path.join(dir, PIPELINE_MANIFEST_FILE));
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw new RopError(
      'MODEL.ARTIFACT_INVALID',
      `${PIPELINE_MANIFEST_FILE} is not JSON: ${(e as Error).message}`,
    );
  }
  const parsed = pipelineManifestSchema.safeParse(raw);
  if (!parsed.success) {
    throw new RopError(
      'MODEL.ARTIFACT_INVALID',
      `${PIPELINE_MANIFEST_FILE}: ${z.prettifyError(parsed.error)}`,
    );
  }
  const p = parsed.data;
  const seg = p.segmenter ? await inspectModel(path.join(dir, p.segmenter), 'segmenter') : null;
  const cls = p.classifier ? await inspectModel(path.join(dir, p.classifier), 'classifier') : null;
  if (!seg && !cls) {
    throw new RopError(
      'MODEL.ARTIFACT_INVALID',
      `${PIPELINE_MANIFEST_FILE} names neither a segmenter nor a classifier`,
    );
  }
  const sub = (prefix: string | null, a: InspectedArtifact | null) =>
    a && prefix ? a.files.map((f) => `${prefix}/${f}`) : [];
  return {
    kind: 'pipeline',
    dir: path.resolve(dir),
    name: p.name,
    version: p.version,
    sha256: pipelineDigest(sha256(bytes), seg?.sha256 ?? null, cls?.sha256 ?? null),
    datasetHash: cls?.datasetHash ?? seg?.datasetHash ?? null,
    metrics: { ...(seg ? { segmenter: seg.metrics } : {}), ...(cls ? { classifier: cls.metrics } : {}) },
    detail: p.kind,
    files: [PIPELINE_MANIFEST_FILE, ...sub(p.segmenter, seg), ...sub(p.classifier, cls)],
    components: { segmenter: seg, classifier: cls },
  };
}

/**
 * Reads and verifies an artifact directory: a model (manifest.json, every file's sha256 checked)
 * or a pipeline (pipeline.json and each component model, all verified).
 */
export async function inspectArtifact(dir: string): Promise<InspectedArtifact> {
  const root = path.resolve(dir);
  const s = await stat(root).catch(() => null);
  if (!s?.isDirectory()) {
    throw new RopError('MODEL.ARTIFACT_INVALID', `${dir} is not a directory`);
  }
  if (await isFile(path.join(root, PIPELINE_MANIFEST_FILE))) return inspectPipeline(root);
  if (await isFile(path.join(root, MODEL_MANIFEST_FILE))) return inspectModel(root);
  throw new RopError(
    'MODEL.ARTIFACT_INVALID',
    `${dir} is neither a model artifact (${MODEL_MANIFEST_FILE}) nor a pipeline (${PIPELINE_MANIFEST_FILE})`,
  );
}
