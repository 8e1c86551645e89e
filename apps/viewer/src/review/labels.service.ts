import { RopError } from '@ropline/core';
import type { Database } from '@ropline/db';
import { badRequest } from './review.errors.js';
import { issuesText, labelInputSchema, type LabelInput } from './label.schema.js';
import { labelView, type LabelView } from './label.view.js';
import { loadStudyContext, type ContextInstance, type StudyContext } from './study-context.js';

type Analysis = NonNullable<StudyContext['analysis']>;

interface Target {
  laterality: string;
  instance: ContextInstance | null;
  frame: number;
}

function targetOf(ctx: StudyContext, input: LabelInput): Target {
  if (input.scope === 'eye') {
    if (input.kind === 'line') throw badRequest('a line is labelled per image (scope image)');
    if (input.instanceId !== undefined || input.frame !== undefined)
      throw badRequest('an eye label takes no instanceId or frame');
    if (input.laterality !== 'R' && input.laterality !== 'L') throw badRequest('laterality must be R or L');
    return { laterality: input.laterality, instance: null, frame: 0 };
  }
  if (!input.instanceId) throw badRequest('an image label needs instanceId');
  const instance = ctx.instances.find((i) => i.id === input.instanceId);
  if (!instance) throw badRequest('the image does not belong to this study');
  const frame = input.frame ?? 0;
  if (frame >= Math.max(1, instance.frames)) throw badRequest(`frame must be below ${instance.frames}`);
  if (input.laterality !== undefined && input.laterality !== instance.laterality)
    throw badRequest(`laterality must be the image's (${instance.laterality})`);
  return { laterality: instance.laterality, instance, frame };
}

function checkValue(input: LabelInput, a: Analysis, t: Target): void {
  const only = (field: 'stage' | 'line' | 'ungradable') => {
    for (const f of ['stage', 'line', 'ungradable'] as const)
      if (f !== field && input[f] !== undefined) throw badRequest(`a ${input.kind} label takes no ${f}`);
    if (input[field] === undefined) throw badRequest(`a ${input.kind} label needs ${field}`);
  };
  only(input.kind);
  if (input.kind === 'stage' && !a.classes.includes(input.stage!))
    throw badRequest(`stage must be one of ${a.classes.join(', ')}`);
  if (input.kind === 'line') {
    const w = t.instance?.columns ?? 0;
    const h = t.instance?.rows ?? 0;
    const outside = input.line!.some((pl) => pl.some(([x, y]) => x < 0 || y < 0 || x > w - 1 || y > h - 1));
    if (outside) throw badRequest(`line points must lie inside the image (0..${w - 1}, 0..${h - 1})`);
  }
}

/** Whether the clinician's value equals the model's (null when the model gave none to compare). */
function agreement(input: LabelInput, a: Analysis, t: Target): boolean | null {
  const pred = t.instance
    ? a.predictions.find((p) => p.instanceId === t.instance!.id && p.frame === t.frame)
    : undefined;
  const modelStage = t.instance ? pred?.stage : a.eyes.find((e) => e.laterality === t.laterality)?.stage;
  if (input.kind === 'stage') return modelStage ? modelStage === input.stage : null;
  if (input.kind === 'ungradable') {
    const modelUngradable = t.instance ? pred?.status === 'error' : modelStage === 'indeterminate';
    return modelStage === undefined && !pred ? null : modelUngradable === input.ungradable;
  }
  // Lines: only "no line" vs "a line" is compared; geometry agreement is left to the trainer.
  const modelHasLine = Array.isArray(pred?.lines) && (pred!.lines as unknown[]).length > 0;
  return pred ? modelHasLine === input.line!.length > 0 : null;
}

/** Confirmed labels: validated, append-only (never updated or deleted), latest per target wins. */
export class LabelsService {
  constructor(private readonly db: Database) {}

  async create(studyId: string, body: unknown, actor: string): Promise<LabelView> {
    const parsed = labelInputSchema.safeParse(body ?? {});
    if (!parsed.success) throw badRequest(`invalid label: ${issuesText(parsed.error)}`);
    const input = parsed.data;
    const ctx = await loadStudyContext(this.db, studyId);
    const a = ctx.analysis;
    if (!a) throw new RopError('REVIEW.NOT_ANALYSED', 'the study has no finished analysis to review yet');
    const t = targetOf(ctx, input);
    checkValue(input, a, t);
    const row = await this.db.prisma.confirmedLabel.create({
      data: {
        studyInstanceUid: ctx.studyInstanceUid,
        scope: input.scope,
        kind: input.kind,
        instanceId: t.instance?.id ?? null,
        frame: t.frame,
        laterality: t.laterality,
        stage: input.stage ?? null,
        line: input.line ?? undefined,
        ungradable: input.ungradable ?? null,
        agreesWithModel: agreement(input, a, t),
        analysisId: a.id,
        modelVersion: a.modelVersion,
        actor: actor.slice(0, 64),
        note: input.note ?? null,
        at: new Date(),
      },
    });
    return labelView(row);
  }

  async history(studyInstanceUid: string): Promise<LabelView[]> {
    const rows = await this.db.prisma.confirmedLabel.findMany({
      where: { studyInstanceUid },
      orderBy: [{ at: 'asc' }, { id: 'asc' }],
    });
    return rows.map(labelView);
  }

  /** Every label since `since` as JSON lines with study/series/instance UIDs; no patient data. */
  async *exportLines(since: Date | null): AsyncGenerator<string> {
    let cursor = 0n;
    for (;;) {
      const rows = await this.db.prisma.confirmedLabel.findMany({
        where: { id: { gt: cursor }, ...(since ? { at: { gte: since } } : {}) },
        orderBy: { id: 'asc' },
        take: 500,
      });
      if (rows.length === 0) return;
      const ids = [...new Set(rows.map((r) => r.instanceId).filter((i): i is string => !!i))];
      const instances = await this.db.prisma.instance.findMany({
        where: { id: { in: ids } },
        select: { id: true, sopInstanceUid: true, series: { select: { seriesInstanceUid: true } } },
      });
      const byId = new Map(instances.map((i) => [i.id, i]));
      for (const r of rows) {
        const v = labelView(r);
        const inst = r.instanceId ? byId.get(r.instanceId) : undefined;
        yield (
          JSON.stringify({
            ...v,
            studyInstanceUid: r.studyInstanceUid,
            seriesInstanceUid: inst?.series.seriesInstanceUid ?? null,
            sopInstanceUid: inst?.sopInstanceUid ?? null,
          }) + '\n'
        );
      }
      cursor = rows[rows.length - 1].id;
    }
  }
}
