import { z } from 'zod';

/** Pipeline manifest schema (zod only: importable without loading TensorFlow.js, `@ropline/models/manifest`). */
export const PIPELINE_MANIFEST_FILE = 'pipeline.json';
export const PIPELINE_FORMAT = 'ropline-pipeline/1';
/** A sub-directory name inside the pipeline directory, never a path. */
const subdir = z
  .string()
  .regex(/^[A-Za-z0-9._-]+$/)
  .refine((n) => n !== '.' && n !== '..');

/**
 * `pipeline.json`: ties one segmenter and/or classifier artifact (sub-directories, each with its
 * own manifest and hashes) into one of the paper's systems, under one pipeline version.
 */
export const pipelineManifestSchema = z
  .object({
    format: z.literal(PIPELINE_FORMAT).default(PIPELINE_FORMAT),
    kind: z.enum(['hybrid', 'classifier-only', 'segmentation-only']),
    name: z.string().min(1),
    version: z.string().min(1),
    segmenter: subdir.nullable().default(null),
    classifier: subdir.nullable().default(null),
  })
  .strict();

export type PipelineManifest = z.output<typeof pipelineManifestSchema>;
