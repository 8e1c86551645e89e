import { z } from 'zod';
import { preprocessConfigSchema } from '@ropline/preprocess';

export const MODEL_MANIFEST_FILE = 'manifest.json';
export const MODEL_MANIFEST_FORMAT = 'ropline-model/1';

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'a lowercase hex sha256');
/** A plain file name inside the artifact directory: never a path (DESIGN: no paths from input). */
const fileName = z
  .string()
  .regex(/^[A-Za-z0-9._-]+$/, 'a plain file name')
  .refine((n) => n !== '.' && n !== '..');

/**
 * `manifest.json` of a model artifact directory (tfjs `model.json` + weights + this file).
 * Everything a worker needs to reproduce training-time preprocessing and to say which model made
 * a result is here; `files` pins every other file of the directory by sha256.
 */
export const modelManifestSchema = z
  .object({
    format: z.literal(MODEL_MANIFEST_FORMAT),
    kind: z.enum(['segmenter', 'classifier']),
    /** Plugin id of the architecture, e.g. 'segmenter-unet', 'classifier-inception-v3'. */
    architecture: z.string().min(1),
    name: z.string().min(1),
    version: z.string().min(1),
    /** Output labels in order (binary segmenter: ['line']). */
    classes: z.array(z.string().min(1)).min(1),
    input: z.object({
      width: z.number().int().positive(),
      height: z.number().int().positive(),
      channels: z.number().int().min(1).max(4),
    }),
    /** The exact libs/preprocess configuration used in training (fully defaulted). */
    preprocessing: preprocessConfigSchema,
    /** The architecture plugin's own config (depth, filters, thresholds...). */
    config: z.record(z.string(), z.unknown()).default({}),
    training: z
      .object({
        datasetHash: z.string().nullable().default(null),
        seed: z.number().int().nullable().default(null),
        profile: z.string().nullable().default(null),
        /** Free-form provenance: epochs run, best epoch, parent model version... */
        notes: z.record(z.string(), z.unknown()).default({}),
      })
      .prefault({}),
    metrics: z.record(z.string(), z.number()).default({}),
    createdAt: z.iso.datetime(),
    files: z
      .array(z.object({ name: fileName, sha256: sha256Hex, bytes: z.number().int().nonnegative() }))
      .min(2),
  })
  .strict();

export type ModelManifest = z.output<typeof modelManifestSchema>;
/** What a caller supplies when saving; format, files and createdAt are filled in by the writer. */
export type ModelManifestInput = Omit<
  z.input<typeof modelManifestSchema>,
  'format' | 'files' | 'createdAt'
> & {
  createdAt?: string;
};
