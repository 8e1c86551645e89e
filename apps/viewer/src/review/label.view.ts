import type { Database } from '@ropline/db';

type LabelRow = Awaited<ReturnType<Database['prisma']['confirmedLabel']['findFirstOrThrow']>>;

export interface LabelView {
  id: string;
  scope: 'eye' | 'image';
  kind: 'stage' | 'line' | 'ungradable';
  laterality: string;
  instanceId: string | null;
  frame: number;
  stage: string | null;
  line: [number, number][][] | null;
  ungradable: boolean | null;
  agreesWithModel: boolean | null;
  analysisId: string | null;
  modelVersion: string | null;
  actor: string;
  note: string | null;
  at: string;
}

export const labelView = (r: LabelRow): LabelView => ({
  id: r.id.toString(),
  scope: r.scope,
  kind: r.kind,
  laterality: r.laterality,
  instanceId: r.instanceId,
  frame: r.frame,
  stage: r.stage,
  line: (r.line as [number, number][][] | null) ?? null,
  ungradable: r.ungradable,
  agreesWithModel: r.agreesWithModel,
  analysisId: r.analysisId,
  modelVersion: r.modelVersion,
  actor: r.actor,
  note: r.note,
  at: r.at.toISOString(),
});

export interface LatestLabels {
  /** eyes[laterality][kind] */
  eyes: Record<string, Partial<Record<LabelView['kind'], LabelView>>>;
  /** images[`${instanceId}/${frame}`][kind] */
  images: Record<string, Partial<Record<LabelView['kind'], LabelView>>>;
}

/** Latest label per target and kind (history in `at`, then id order: the last one wins). */
export function latestLabels(history: LabelView[]): LatestLabels {
  const out: LatestLabels = { eyes: {}, images: {} };
  for (const l of history) {
    const slot =
      l.scope === 'eye' ? (out.eyes[l.laterality] ??= {}) : (out.images[`${l.instanceId}/${l.frame}`] ??= {});
    slot[l.kind] = l;
  }
  return out;
}
