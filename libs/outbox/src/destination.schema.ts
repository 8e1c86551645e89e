import { z } from 'zod';

const AE_TITLE = /^[\x20-\x5b\x5d-\x7e]{1,16}$/;

/** A PACS that receives ROPline's result objects by STOW-RS (DICOMweb). */
export const stowDestinationSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _ . - (max 64)'),
    kind: z.literal('stow'),
    /** DICOMweb base URL, e.g. http://pacs:8042/dicom-web (STOW-RS posts to `${url}/studies`). */
    url: z.url(),
    /** Optional bearer token or basic credentials sent with every request (never logged). */
    bearerToken: z.string().min(1).optional(),
    basicAuth: z
      .object({ username: z.string().min(1), password: z.string() })
      .strict()
      .optional(),
    /** Instances per STOW-RS request. */
    batchSize: z.number().int().min(1).max(500).default(16),
    timeoutMs: z.number().int().min(100).default(30_000),
  })
  .strict();

/** A PACS that receives ROPline's result objects by DIMSE C-STORE. */
export const dimseDestinationSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _ . - (max 64)'),
    kind: z.literal('dimse'),
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535),
    calledAeTitle: z.string().regex(AE_TITLE, '1-16 printable ASCII characters, no backslash'),
    callingAeTitle: z
      .string()
      .regex(AE_TITLE, '1-16 printable ASCII characters, no backslash')
      .default('ROPLINE'),
    batchSize: z.number().int().min(1).max(500).default(16),
    timeoutMs: z.number().int().min(100).default(30_000),
  })
  .strict();

export const destinationSchema = z.discriminatedUnion('kind', [
  stowDestinationSchema,
  dimseDestinationSchema,
]);
export type Destination = z.output<typeof destinationSchema>;
export type StowDestination = z.output<typeof stowDestinationSchema>;
export type DimseDestination = z.output<typeof dimseDestinationSchema>;

/** Delivery policy of the outbox runner. */
export const deliveryConfigSchema = z
  .object({
    /** Attempts per object and destination before it is dead-lettered (visible, retryable by an admin). */
    maxAttempts: z.number().int().min(1).max(100).default(8),
    /** Exponential backoff: base * 2^(attempt-1), capped. */
    backoffBaseMs: z.number().int().min(10).default(2_000),
    backoffMaxMs: z.number().int().min(10).default(300_000),
    /** How often the runner looks for due items (it is also woken when items are queued). */
    pollIntervalMs: z.number().int().min(50).default(2_000),
    /** A claimed item whose sender died is retried after this lease. */
    leaseMs: z.number().int().min(1_000).default(120_000),
  })
  .strict();

export type DeliveryConfig = z.output<typeof deliveryConfigSchema>;
