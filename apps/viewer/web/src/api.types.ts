// Shapes of the review API (apps/viewer/src/review/*): kept here so the SPA type-checks without
// the server's Node types.

export type ReviewStatus = 'received' | 'analysing' | 'analysed' | 'published' | 'failed';
export const REVIEW_STATUSES: ReviewStatus[] = ['received', 'analysing', 'analysed', 'published', 'failed'];

export interface PublishCounts {
  total: number;
  pending: number;
  sending: number;
  sent: number;
  dead: number;
}

export interface WorklistRow {
  id: string;
  studyInstanceUid: string;
  status: ReviewStatus;
  receivedAt: string;
  lastReceivedAt: string;
  imageCount: number;
  eyes: { laterality: string; stage: string; confidence: number | null; reviewed: boolean }[];
  maxStageRank: number;
  classes: string[];
  publish: PublishCounts;
}

export type Polyline = [number, number][];

export interface LabelView {
  id: string;
  scope: 'eye' | 'image';
  kind: 'stage' | 'line' | 'ungradable';
  laterality: string;
  instanceId: string | null;
  frame: number;
  stage: string | null;
  line: Polyline[] | null;
  ungradable: boolean | null;
  agreesWithModel: boolean | null;
  analysisId: string | null;
  modelVersion: string | null;
  actor: string;
  note: string | null;
  at: string;
}

export type LatestByKind = Partial<Record<LabelView['kind'], LabelView>>;

export interface StudyImage {
  instanceId: string;
  sopInstanceUid: string;
  frame: number;
  laterality: string;
  status: string;
  stage: string | null;
  confidence: number | null;
  probabilities: Record<string, number> | null;
  rows: number | null;
  columns: number | null;
  hasMask: boolean;
  modelLines: Polyline[];
  errorCode: string | null;
}

export interface StudyEye {
  laterality: string;
  stage: string;
  confidence: number | null;
  imageCount: number;
  probabilities: Record<string, number> | null;
  evidence: { sopInstanceUid: string; frame: number } | null;
  evidenceInstanceId: string | null;
}

export interface StudyView {
  id: string;
  studyInstanceUid: string;
  status: ReviewStatus;
  receivedAt: string;
  lastReceivedAt: string;
  classes: string[];
  instances: {
    id: string;
    sopInstanceUid: string;
    laterality: string;
    rows: number | null;
    columns: number | null;
    frames: number;
  }[];
  analysis: {
    id: string;
    pipeline: { key: string; name: string | null; version: string | null };
    finishedAt: string | null;
    eyes: StudyEye[];
    images: StudyImage[];
  } | null;
  pending: { id: string; status: string; errorCode: string | null } | null;
  labels: {
    latest: { eyes: Record<string, LatestByKind>; images: Record<string, LatestByKind> };
    history: LabelView[];
  };
  publish: {
    counts: PublishCounts;
    byStatus: Record<
      string,
      {
        destination: string;
        kind: string;
        sopInstanceUid: string;
        status: string;
        attempts: number;
        lastStatus: string | null;
        sentAt: string | null;
      }[]
    >;
  };
}

export interface Me {
  name: string;
  roles: string[];
  authRequired: boolean;
}

export interface LabelInput {
  scope: 'eye' | 'image';
  kind: 'stage' | 'line' | 'ungradable';
  laterality?: string;
  instanceId?: string;
  frame?: number;
  stage?: string;
  line?: Polyline[];
  ungradable?: boolean;
  note?: string;
}

export interface MetricWithCi {
  estimate: number;
  lower?: number;
  upper?: number;
}

export interface RetrainingRun {
  id: string;
  trigger: string;
  requestedBy: string;
  status: 'queued' | 'running' | 'done' | 'failed';
  params: { from?: string; profile?: string };
  progress: { phase?: string; fraction?: number; etaSeconds?: number; message?: string };
  candidateName: string | null;
  candidateVersion: string | null;
  /** { candidate, active, heldOut } as registered with the candidate. */
  metrics: {
    candidate?: Record<string, MetricWithCi | number>;
    active?: Record<string, MetricWithCi | number>;
    heldOut?: { items?: string[]; infants?: string[] };
  } | null;
  errorCode: string | null;
  errorMessage: string | null;
  createdAt: string;
  finishedAt: string | null;
}
