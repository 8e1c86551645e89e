import { z } from 'zod';

/** Ophthalmic Photography 8 Bit / 16 Bit Image Storage (PS3.4 Annex B, PS3.6 Annex A). */
export const OP_SOP_CLASSES = ['1.2.840.10008.5.1.4.1.1.77.1.5.1', '1.2.840.10008.5.1.4.1.1.77.1.5.2'];

/** A value pattern: exact match, or a glob when it holds `*` (any run) or `?` (one character). */
const pattern = z.string().min(1).max(128);
const patterns = z.union([pattern, z.array(pattern).min(1)]);

/** What a rule looks at; every field given must match (AND); a list matches any of its patterns. */
export const routeMatchSchema = z
  .object({
    sopClassUid: patterns.optional(),
    modality: patterns.optional(),
    manufacturer: patterns.optional(),
    manufacturerModelName: patterns.optional(),
    stationName: patterns.optional(),
    /** Calling AE title (DIMSE only; a STOW-RS instance has none and never matches it). */
    callingAeTitle: patterns.optional(),
    imageLaterality: patterns.optional(),
  })
  .strict();

export const routeRuleSchema = z.discriminatedUnion('action', [
  z
    .object({
      name: z.string().min(1).max(64).optional(),
      match: routeMatchSchema.prefault({}),
      action: z.literal('analyze'),
      /** Key of `analysis.pipelines`. */
      pipeline: z.string().min(1).max(64).default('default'),
    })
    .strict(),
  z
    .object({
      name: z.string().min(1).max(64).optional(),
      match: routeMatchSchema.prefault({}),
      action: z.literal('ignore'),
    })
    .strict(),
  z
    .object({
      name: z.string().min(1).max(64).optional(),
      match: routeMatchSchema.prefault({}),
      action: z.literal('forward'),
      /** Destination name: one of the viewer's `destinations` (its outbox delivers the instance as received). */
      destination: z.string().min(1).max(64),
    })
    .strict(),
]);

/** The default rules: OP SOP classes, then Modality OP, are analysed; the rest falls through. */
export const DEFAULT_ROUTE_RULES: z.input<typeof routeRuleSchema>[] = [
  { name: 'op-sop-class', match: { sopClassUid: OP_SOP_CLASSES }, action: 'analyze' },
  { name: 'op-modality', match: { modality: 'OP' }, action: 'analyze' },
];

/**
 * Ordered routing rules: the first rule whose `match` holds decides; when none does, `default`
 * (ignore unless configured). Validated at start-up with the rest of the gateway config.
 */
export const routingConfigSchema = z
  .object({
    rules: z.array(routeRuleSchema).max(1000).prefault(DEFAULT_ROUTE_RULES),
    default: z.enum(['ignore', 'analyze']).default('ignore'),
  })
  .strict();

export type RouteMatch = z.output<typeof routeMatchSchema>;
export type RouteRule = z.output<typeof routeRuleSchema>;
export type RoutingConfig = z.output<typeof routingConfigSchema>;
