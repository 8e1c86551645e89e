import { z } from 'zod';

/** PS3.8 9.3.2: an AE title is 1-16 characters of the default repertoire, no backslash or controls. */
const aeTitle = z
  .string()
  .trim()
  .min(1)
  .max(16)
  .regex(/^[\x20-\x5b\x5d-\x7e]+$/, 'AE titles are 1-16 printable ASCII characters without a backslash');

export const DEFAULT_DIMSE_PORT = 11112;

/**
 * DIMSE (C-ECHO / C-STORE SCP) section of the gateway config. `port` 0 = a free port; unset =
 * 11112, or a free port when the HTTP port is 0 too (tests: parallel gateways must not collide).
 * `allowedCallingAeTitles` null = any calling AE title is accepted.
 */
export const dimseConfigSchema = z
  .object({
    enabled: z.boolean().default(true),
    host: z.string().min(1).default('127.0.0.1'),
    port: z.number().int().min(0).max(65535).optional(),
    aeTitle: aeTitle.default('ROPLINE'),
    allowedCallingAeTitles: z.array(aeTitle).nullable().default(null),
    maxAssociations: z.number().int().positive().default(8),
  })
  .strict()
  .prefault({});

export type DimseConfig = z.output<typeof dimseConfigSchema>;

/** The section with its port resolved (see `port` above). */
export type ResolvedDimseConfig = DimseConfig & { port: number };

export function resolveDimseConfig(dimse: DimseConfig, httpPort: number): ResolvedDimseConfig {
  return { ...dimse, port: dimse.port ?? (httpPort === 0 ? 0 : DEFAULT_DIMSE_PORT) };
}
