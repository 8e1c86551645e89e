import type { Database } from '@ropline/db';
import type { ProgressFn, Stage } from '@ropline/datasets';

export interface SnapshotOptions {
  db: Database;
  /** The Part-10 bytes (or a mask PNG) of a blob by its sha256 (e.g. LocalBlobStore.get). */
  readBlob: (sha256: string) => Promise<Buffer>;
  /** The snapshot folder (written atomically: staged next to it, then renamed). */
  out: string;
  /** Only images whose deciding labels (stage, line, ungradable) include one at or after this time. */
  since?: Date;
  /** An existing ropline-dataset/1 folder whose items are copied in (provenance 'included'). */
  include?: string;
  /** Secret for the pseudonyms (infant key, item ids) and the DICOM UID mapping. Keep it stable. */
  salt: string;
  /** Time recorded in the history entry (tests pin it). */
  now?: Date;
  /** Replace an existing dataset at `out`. */
  force?: boolean;
  /** Stroke width in pixels of a clinician's polyline (default: 1% of the shorter side, at least 3). */
  lineWidth?: number;
  /** Dataset name (default: the folder's name). */
  name?: string;
  onProgress?: ProgressFn;
}

/** 'dataset': an included item's own mask. */
export type MaskSource = 'clinician' | 'model' | 'none' | 'dataset';

/** A label as the provenance records it: no patient data, only who/when/what. */
export interface LabelRef {
  id: string;
  kind: 'stage' | 'line' | 'ungradable';
  scope: 'image' | 'eye';
  actor: string;
  at: string;
  agreesWithModel: boolean | null;
  modelVersion: string | null;
  analysisId: string | null;
}

/** One line of provenance.jsonl. */
export interface ProvenanceRecord {
  id: string;
  source: 'confirmed' | 'included';
  stage: Stage | null;
  /** The label that decided the stage (image-level, else the eye's). */
  stageLabel?: LabelRef;
  /** The clinician's line (mask source 'clinician'). */
  lineLabel?: LabelRef;
  /** Every label of this image's targets (image stage/line/ungradable, the eye's stage), oldest first. */
  history?: LabelRef[];
  maskSource: MaskSource;
  /** The analysis and model version the model mask (mask source 'model') came from. */
  maskAnalysisId?: string | null;
  maskModelVersion?: string | null;
  /** The de-identified DICOM copy, relative to the snapshot. */
  dicom?: string;
  frame?: number;
  /** For included items: the dataset they came from (name and content hash). */
  includedFrom?: { name: string; hash: string };
}

export interface SnapshotResult {
  out: string;
  hash: string;
  images: number;
  /** Key: stage '0'..'3' or 'unknown'. */
  byStage: Record<string, number>;
  excludedUngradable: number;
  clinicianLines: number;
  modelLines: number;
  noMask: number;
  included: number;
  /** Images not written, with a PHI-free reason (e.g. an unknown stage label, a missing blob). */
  skipped: { file: string; reason: string }[];
}
