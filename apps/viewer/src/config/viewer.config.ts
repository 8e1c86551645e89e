import { z } from 'zod';
import { RopError } from '@ropline/core';
import { deliveryConfigSchema, destinationSchema } from '@ropline/outbox';
import { retrainingConfigSchema } from '../retraining/retraining.config.js';

export const publishConfigSchema = z
  .object({
    /** Which of the configured destinations get SC overlays and SRs (names); default: all of them. */
    resultsTo: z.array(z.string()).optional(),
    /** Overlay style burned into the SC: the line's outline, or a translucent fill plus outline. */
    overlayStyle: z.enum(['outline', 'fill']).default('outline'),
  })
  .strict();

export type PublishConfig = z.output<typeof publishConfigSchema>;

/** The viewer app: review web page + API (HTTP) and the publisher (SC/SR → outbox → PACS). */
export const viewerConfigSchema = z
  .object({
    enabled: z.boolean().default(true),
    host: z.string().min(1).default('127.0.0.1'),
    /** 0 = a free port (tests). */
    port: z.number().int().min(0).max(65535).default(8081),
    publish: publishConfigSchema.prefault({}),
    /** PACS destinations (shared with the gateway's `forward` routes when run by `rop gateway`). */
    destinations: z.array(destinationSchema).default([]),
    /** Retry/backoff/dead-letter policy of the outbox. */
    delivery: deliveryConfigSchema.prefault({}),
    /** Retraining from confirmed labels as a queued job (button for data scientists, optional cron). */
    retraining: retrainingConfigSchema.prefault({}),
  })
  .strict();

export type ViewerConfigInput = z.input<typeof viewerConfigSchema>;
export type ViewerConfig = z.output<typeof viewerConfigSchema>;

/** Validates the viewer config; CONFIG.INVALID names each bad field and how to fix it. */
export function parseViewerConfig(input: unknown = {}): ViewerConfig {
  const parsed = viewerConfigSchema.safeParse(input ?? {});
  if (parsed.success) {
    const names = parsed.data.destinations.map((d) => d.name);
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    const unknown = parsed.data.publish.resultsTo?.find((n) => !names.includes(n));
    if (dup || unknown) {
      throw new RopError(
        'CONFIG.INVALID',
        dup
          ? `Invalid viewer config: viewer.destinations: the name '${dup}' is used twice; give each destination a unique name`
          : `Invalid viewer config: viewer.publish.resultsTo: '${unknown}' is not a destination; use one of ${names.join(', ') || '(none configured)'}`,
      );
    }
    return parsed.data;
  }
  const issues = parsed.error.issues.map((i) => `viewer.${i.path.join('.')}: ${i.message}`).join('; ');
  throw new RopError(
    'CONFIG.INVALID',
    `Invalid viewer config: ${issues}. See apps/viewer/README.md#configuration (destinations are ` +
      `{name, kind: 'stow', url} or {name, kind: 'dimse', host, port, calledAeTitle})`,
  );
}
