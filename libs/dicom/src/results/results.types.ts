import type { NaturalDataset } from '../reader/dcmjs.adapter.js';

/** What every result builder returns: the Part-10 bytes and the identity of the new object. */
export interface BuiltResult {
  bytes: Uint8Array;
  sopClassUid: string;
  sopInstanceUid: string;
  seriesInstanceUid: string;
  studyInstanceUid: string;
}

/** ROP stage labels as the classifier emits them ('none' = no ROP, 'indeterminate' = ungradable). */
export type StageLabel = 'none' | 'stage1' | 'stage2' | 'stage3' | 'indeterminate';

/** ImageLaterality values (PS3.3 C.7.6.2): R, L, or '' when unknown. */
export type Laterality = 'R' | 'L' | '';

export interface ModelFacts {
  /** e.g. 'ropline-hybrid' (written as Algorithm Name / ManufacturerModelName). */
  name: string;
  /** e.g. '1.4.0' (Algorithm Version / SoftwareVersions; part of every derived UID). */
  version: string;
}

export interface CaptionFacts {
  stage: StageLabel;
  /** 0..1, shown as a percentage. */
  confidence: number;
  laterality: Laterality;
  model: ModelFacts;
}

/** Optional equipment strings of this ROPline installation (General Equipment module). */
export interface EquipmentFacts {
  manufacturer?: string;
  softwareVersions?: string;
  institutionName?: string;
}

export type OverlayStyle = 'outline' | 'fill';

export interface OverlayScInput {
  /** The analysed instance's naturalized header (dcmjs keywords, no PixelData needed). */
  source: Readonly<NaturalDataset>;
  /** The decoded source frame, RGB interleaved, rows*columns*3 bytes. */
  rgb: Uint8Array;
  rows: number;
  columns: number;
  /** The demarcation-line mask, rows*columns bytes (0 or 255); null = no line found. */
  mask: Uint8Array | null;
  style: OverlayStyle;
  caption: CaptionFacts;
  analysis: ModelFacts;
  /** 1-based frame of the source that was analysed (1 for single-frame sources). */
  frameNumber: number;
  createdAt: Date;
  equipment?: EquipmentFacts;
  /** Instance Number of the overlay in its series (default 1). */
  instanceNumber?: number;
}

/**
 * A polyline in image pixel coordinates as a flat list [x0, y0, x1, y1, ...] (x = column, y = row;
 * at least two points). Convention of PS3.3 C.18.6.1.1: (0,0) is the top left corner of the top
 * left pixel, so the centre of pixel (column c, row r) is (c + 0.5, r + 0.5).
 */
export type Polyline = readonly number[];

/** One analysed image of one eye, with the line found on it. */
export interface SrImageEvidence {
  sopClassUid: string;
  sopInstanceUid: string;
  seriesInstanceUid: string;
  /** 1-based frame for multi-frame sources; omit for single-frame ones. */
  frameNumber?: number;
  /** Demarcation line segments on that image; empty = no line found. */
  polylines: readonly Polyline[];
}

export interface SrEyeFinding {
  laterality: 'R' | 'L';
  stage: StageLabel;
  confidence: number;
  images: readonly SrImageEvidence[];
}

export interface Verification {
  /** Person name in DICOM PN form, e.g. 'Doe^Jane'. */
  observerName: string;
  organization: string;
  verifiedAt: Date;
}

/** An earlier SR this one replaces (PredecessorDocumentsSequence, PS3.3 C.17.2). */
export interface SupersededDocument {
  studyInstanceUid: string;
  seriesInstanceUid: string;
  sopClassUid: string;
  sopInstanceUid: string;
}

export interface StagingSrInput {
  /** Header of one analysed instance of the study (patient and study attributes are copied). */
  source: Readonly<NaturalDataset>;
  analysisId: string;
  /** Revision of this analysis' report: 0 first, +1 for each correction or re-analysis. */
  revision: number;
  model: ModelFacts;
  eyes: readonly SrEyeFinding[];
  createdAt: Date;
  /** Present when a clinician confirmed the result: VERIFIED + VerifyingObserverSequence. */
  verification?: Verification;
  supersedes?: readonly SupersededDocument[];
  equipment?: EquipmentFacts;
  instanceNumber?: number;
}
