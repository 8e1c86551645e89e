import { z } from 'zod';

/** A 5-field cron expression (minute hour day-of-month month day-of-week), UTC. */
const CRON = /^(\S+\s+){4}\S+$/;

/** Retraining from confirmed labels as a service (issue 8): defaults of a run and the optional schedule. */
export const retrainingConfigSchema = z
  .object({
    /** Cron (UTC), e.g. "0 2 * * 0" = Sundays 02:00; unset = only on request. */
    schedule: z.string().regex(CRON, 'expected a 5-field cron expression, e.g. "0 2 * * 0"').optional(),
    /** Fine-tune the active models, or train from scratch. */
    from: z.enum(['active', 'scratch']).default('active'),
    profile: z.enum(['cpu-quick', 'paper']).default('cpu-quick'),
    epochsSeg: z.number().int().min(1).max(1000).optional(),
    epochsCls: z.number().int().min(1).max(1000).optional(),
    /** A dataset directory merged into every snapshot (e.g. the data the active model was trained on). */
    include: z.string().min(1).optional(),
    /** Registry name of the pipeline being retrained. */
    name: z.string().min(1).default('rop-demo-hybrid'),
  })
  .strict();

export type RetrainingConfig = z.output<typeof retrainingConfigSchema>;

/** What a data scientist may override per run (the rest comes from the config). */
export const retrainRequestSchema = z
  .object({
    from: z.enum(['active', 'scratch']).optional(),
    profile: z.enum(['cpu-quick', 'paper']).optional(),
    epochsSeg: z.number().int().min(1).max(1000).optional(),
    epochsCls: z.number().int().min(1).max(1000).optional(),
  })
  .strict();

export type RetrainRequest = z.output<typeof retrainRequestSchema>;
export type RetrainParams = Omit<RetrainingConfig, 'schedule'>;
