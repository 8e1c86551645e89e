import type { Database } from '@ropline/db';
import type { LabelRef } from './snapshot.types.js';

/** A confirmed_labels row as this module reads it. */
export interface LabelRow {
  id: bigint;
  studyInstanceUid: string;
  scope: 'image' | 'eye';
  kind: 'stage' | 'line' | 'ungradable';
  instanceId: string | null;
  frame: number;
  laterality: string;
  stage: string | null;
  line: unknown;
  ungradable: boolean | null;
  agreesWithModel: boolean | null;
  analysisId: string | null;
  modelVersion: string | null;
  actor: string;
  at: Date;
}

/** One image (instance frame) with the latest label of each kind that decides its item. */
export interface ConfirmedImage {
  instanceId: string;
  sopInstanceUid: string;
  frame: number;
  studyInstanceUid: string;
  laterality: string;
  blobSha256: string;
  rows: number | null;
  columns: number | null;
  /** The image-level stage label, else the eye's (study + laterality). */
  stage: LabelRow | null;
  line: LabelRow | null;
  /** Excluded: the latest image-level ungradable is true, or the eye's is and the image has no label of its own. */
  ungradable: boolean;
  /** Every label of the image's targets and of its eye, oldest first. */
  history: LabelRow[];
}

interface Latest {
  stage?: LabelRow;
  line?: LabelRow;
  ungradable?: LabelRow;
  all: LabelRow[];
}

export function labelRef(l: LabelRow): LabelRef {
  return {
    id: l.id.toString(),
    kind: l.kind,
    scope: l.scope,
    actor: l.actor,
    at: l.at.toISOString(),
    agreesWithModel: l.agreesWithModel,
    modelVersion: l.modelVersion,
    analysisId: l.analysisId,
  };
}

const imageKey = (instanceId: string, frame: number) => `${instanceId}:${frame}`;
const eyeKey = (study: string, laterality: string) => `${study}|${laterality}`;

/** Folds the append-only labels: per target and kind, the latest (by time, then id) wins. */
function fold(labels: readonly LabelRow[]): { images: Map<string, Latest>; eyes: Map<string, Latest> } {
  const images = new Map<string, Latest>();
  const eyes = new Map<string, Latest>();
  for (const l of labels) {
    const key = l.scope === 'image' && l.instanceId ? imageKey(l.instanceId, l.frame) : null;
    const map = key ? images : eyes;
    const k = key ?? eyeKey(l.studyInstanceUid, l.laterality);
    const t = map.get(k) ?? { all: [] };
    t[l.kind] = l;
    t.all.push(l);
    map.set(k, t);
  }
  return { images, eyes };
}

/**
 * Every image with a confirmed stage (its own, or its eye's when it has none) and/or a confirmed
 * line. Eye-level stages reach the analysed frames (predictions) of that study and laterality.
 * `since`: only images whose deciding labels include one at or after it.
 */
export async function confirmedImages(db: Database, since?: Date): Promise<ConfirmedImage[]> {
  const rows = (await db.prisma.confirmedLabel.findMany({
    orderBy: [{ at: 'asc' }, { id: 'asc' }],
  })) as LabelRow[];
  const { images, eyes } = fold(rows);
  const eyeStudies = [...new Set([...eyes.values()].map((e) => e.all[0].studyInstanceUid))];
  const analysed = eyeStudies.length
    ? await db.prisma.prediction.findMany({
        where: { instance: { series: { study: { studyInstanceUid: { in: eyeStudies } } } } },
        select: { instanceId: true, frame: true },
        distinct: ['instanceId', 'frame'],
      })
    : [];
  const keys = new Set([...images.keys(), ...analysed.map((p) => imageKey(p.instanceId, p.frame))]);
  const ids = [...new Set([...keys].map((k) => k.slice(0, k.lastIndexOf(':'))))];
  const instances = await db.prisma.instance.findMany({
    where: { id: { in: ids } },
    select: {
      id: true,
      sopInstanceUid: true,
      laterality: true,
      blobSha256: true,
      rows: true,
      columns: true,
      series: { select: { study: { select: { studyInstanceUid: true } } } },
    },
  });
  const byId = new Map(instances.map((i) => [i.id, i]));
  const out: ConfirmedImage[] = [];
  for (const key of [...keys].sort()) {
    const sep = key.lastIndexOf(':');
    const inst = byId.get(key.slice(0, sep));
    if (!inst) continue;
    const frame = Number(key.slice(sep + 1));
    const study = inst.series.study.studyInstanceUid;
    const laterality = inst.laterality === 'R' || inst.laterality === 'L' ? inst.laterality : 'U';
    const own = images.get(key) ?? { all: [] };
    const eye = eyes.get(eyeKey(study, laterality)) ?? { all: [] };
    const stage = own.stage ?? eye.stage ?? null;
    const line = own.line ?? null;
    const ungradable =
      own.ungradable?.ungradable === true ||
      (!own.stage && !own.line && !own.ungradable && eye.ungradable?.ungradable === true);
    if (!stage && !line && !ungradable) continue;
    const deciding = [stage, line, own.ungradable].filter((l): l is LabelRow => !!l);
    if (since && !deciding.some((l) => l.at.getTime() >= since.getTime())) continue;
    const history = [...own.all, ...eye.all].sort(
      (a, b) => a.at.getTime() - b.at.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    );
    out.push({
      instanceId: inst.id,
      sopInstanceUid: inst.sopInstanceUid,
      frame,
      studyInstanceUid: study,
      laterality,
      blobSha256: inst.blobSha256,
      rows: inst.rows,
      columns: inst.columns,
      stage,
      line,
      ungradable,
      history,
    });
  }
  return out;
}
