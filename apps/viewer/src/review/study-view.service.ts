import type { Database } from '@ropline/db';
import { ResultsService, type StudyResults } from '@ropline/gateway';
import type { LabelsService } from './labels.service.js';
import { latestLabels, type LabelView, type LatestLabels } from './label.view.js';
import { publishState, type PublishCounts, type PublishItem } from './publish-state.js';
import { createSegmenterSpace, linesToImage } from './segmenter-space.js';
import { loadStudyContext, type ContextInstance } from './study-context.js';
import type { ReviewStatus } from './worklist.service.js';

type Analysis = NonNullable<StudyResults['analysis']>;

export interface StudyView {
  id: string;
  studyInstanceUid: string;
  status: ReviewStatus;
  receivedAt: string;
  lastReceivedAt: string;
  /** The classifier's classes, least to most severe (the stage choices). */
  classes: string[];
  instances: ContextInstance[];
  analysis:
    | (Omit<Analysis, 'eyes' | 'images'> & {
        eyes: (Analysis['eyes'][number] & { evidenceInstanceId: string | null })[];
        images: (Omit<Analysis['images'][number], 'maskUrl'> & {
          instanceId: string;
          rows: number | null;
          columns: number | null;
          hasMask: boolean;
          /** The model's line polygons in image pixel coordinates (empty when unknown). */
          modelLines: [number, number][][];
        })[];
      })
    | null;
  pending: StudyResults['pending'];
  labels: { latest: LatestLabels; history: LabelView[] };
  publish: { counts: PublishCounts; byStatus: Record<string, PublishItem[]> };
}

/** A study's current analysis (gateway's ResultsService) with the review's ids, labels and publish state. */
export class StudyViewService {
  private readonly results: ResultsService;
  private readonly segmenterSpace: ReturnType<typeof createSegmenterSpace>;

  constructor(
    private readonly db: Database,
    blobs: ConstructorParameters<typeof ResultsService>[1],
    private readonly labels: LabelsService,
  ) {
    this.results = new ResultsService(db, blobs);
    this.segmenterSpace = createSegmenterSpace(db);
  }

  async view(id: string): Promise<StudyView> {
    const ctx = await loadStudyContext(this.db, id);
    const [r, history, publish] = await Promise.all([
      this.results.studyResults(ctx.studyInstanceUid),
      this.labels.history(ctx.studyInstanceUid),
      publishState(this.db, ctx.analysis?.id ?? null),
    ]);
    const bySop = new Map(ctx.instances.map((i) => [i.sopInstanceUid, i]));
    const space = r.analysis ? await this.segmenterSpace(r.analysis.models) : null;
    const analysis = r.analysis
      ? {
          ...r.analysis,
          eyes: r.analysis.eyes.map((e) => ({
            ...e,
            evidenceInstanceId: e.evidence ? (bySop.get(e.evidence.sopInstanceUid)?.id ?? null) : null,
          })),
          images: r.analysis.images.map(({ maskUrl, ...img }) => {
            const inst = bySop.get(img.sopInstanceUid)!;
            const size = inst.columns && inst.rows ? { width: inst.columns, height: inst.rows } : null;
            return {
              ...img,
              instanceId: inst.id,
              rows: inst.rows,
              columns: inst.columns,
              hasMask: maskUrl !== null,
              modelLines: space && size ? linesToImage(img.lines, space, size) : [],
            };
          }),
        }
      : null;
    const published = publish.counts.total > 0 && publish.counts.sent === publish.counts.total;
    return {
      id: ctx.id,
      studyInstanceUid: ctx.studyInstanceUid,
      status: r.status === 'analysed' && published ? 'published' : r.status,
      receivedAt: r.receivedAt,
      lastReceivedAt: r.lastReceivedAt,
      classes: ctx.analysis?.classes ?? [],
      instances: ctx.instances,
      analysis,
      pending: r.pending,
      labels: { latest: latestLabels(history), history },
      publish,
    };
  }
}
