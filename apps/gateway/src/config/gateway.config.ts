import { z } from 'zod';
import { RopError } from '@ropline/core';
import { analysisConfigSchema, workerConfigSchema } from '../analysis/analysis.config.js';
import { routingConfigSchema } from '../routing/routing.config.js';
import { dimseConfigSchema } from '../dimse/dimse.config.js';
import { authConfigSchema } from '../auth/auth.config.js';

const MiB = 1024 * 1024;

/**
 * Gateway configuration (validated at start-up; defaults live here). Sizes are bytes.
 * `databaseUrl` unset -> the embedded Postgres under `<dataDir>/postgres` (see @ropline/db).
 */
export const gatewayConfigSchema = z
  .object({
    host: z.string().min(1).default('127.0.0.1'),
    /** 0 = a free port (tests). */
    port: z.number().int().min(0).max(65535).default(8080),
    dataDir: z.string().min(1).default('var'),
    databaseUrl: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'expected a postgresql:// URL')
      .optional(),
    /** Base URL put into RetrieveURL (00081190); default: the URL the gateway listens on. */
    publicUrl: z.url().optional(),
    limits: z
      .object({
        maxInstanceBytes: z
          .number()
          .int()
          .positive()
          .default(512 * MiB),
        maxRequestBytes: z
          .number()
          .int()
          .positive()
          .default(4096 * MiB),
        /** Refuse to store when the data dir's filesystem has less free space than this. */
        minFreeDiskBytes: z
          .number()
          .int()
          .nonnegative()
          .default(1024 * MiB),
      })
      .strict()
      .prefault({}),
    /** The blob store under `<dataDir>/blobs` (src/blob). */
    blobs: z
      .object({
        /**
         * Write in-memory blobs (up to 2 MiB) with O_DIRECT, past the page cache (file-workers.ts:
         * writeDurable); false: buffered writes. A filesystem that refuses O_DIRECT gets buffered
         * writes either way.
         */
        directWrites: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
    /** Same SOP Instance UID with different bytes: refuse (0x0111) or keep the newest with history. */
    duplicatePolicy: z.enum(['reject', 'keep-newest']).default('reject'),
    /** Routing rules, study assembly and the analysis worker (README#routing-and-analysis). */
    routing: routingConfigSchema.prefault({}),
    analysis: analysisConfigSchema.prefault({}),
    worker: workerConfigSchema.prefault({}),
    /** DIMSE C-ECHO / C-STORE SCP (src/dimse). */
    dimse: dimseConfigSchema,
    /** Bearer tokens with roles (src/auth, README#operations); env ROPLINE_TOKENS adds more. */
    auth: authConfigSchema.prefault({}),
  })
  .strict();

export type GatewayConfigInput = z.input<typeof gatewayConfigSchema>;
export type GatewayConfig = z.output<typeof gatewayConfigSchema>;

/** Validates the config; fails with CONFIG.INVALID naming each bad field and how to fix it. */
export function parseGatewayConfig(input: unknown = {}): GatewayConfig {
  const parsed = gatewayConfigSchema.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
  throw new RopError(
    'CONFIG.INVALID',
    `Invalid gateway config: ${issues}. Fix these fields (see apps/gateway/README.md#configuration): ` +
      `host is an address to bind, port an integer 0-65535, limits.* positive byte counts, ` +
      `duplicatePolicy 'reject' or 'keep-newest', databaseUrl a postgresql:// URL or unset for the embedded Postgres`,
  );
}
