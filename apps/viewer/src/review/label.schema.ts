import { z } from 'zod';

const point = z.tuple([z.number().finite(), z.number().finite()]);

/** POST /api/review/studies/:id/labels body (shape only; study-dependent checks in labels.service). */
export const labelInputSchema = z
  .object({
    scope: z.enum(['eye', 'image']),
    kind: z.enum(['stage', 'line', 'ungradable']),
    laterality: z.enum(['R', 'L', 'U']).optional(),
    instanceId: z.uuid().optional(),
    frame: z.number().int().min(0).max(100_000).optional(),
    stage: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,32}$/)
      .optional(),
    /** Polylines in image pixel coordinates (x right, y down, pixel centres at integers). */
    line: z.array(z.array(point).min(2).max(2_000)).max(50).optional(),
    ungradable: z.boolean().optional(),
    note: z.string().max(1_000).optional(),
  })
  .strict();

export type LabelInput = z.output<typeof labelInputSchema>;

/** Zod issues as one readable line (paths and messages only: never the submitted values). */
export const issuesText = (e: z.ZodError) =>
  e.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
