import type { PluginContext } from '@ropline/core';
import type { RetrainingService } from '../retraining/retraining.service.js';
import type { ImageRenderService } from '../review/image-render.service.js';
import type { LabelsService } from '../review/labels.service.js';
import type { StudyViewService } from '../review/study-view.service.js';
import type { WorklistService } from '../review/worklist.service.js';

/** Re-builds and re-queues a study's result objects (apps/viewer/src/publish). */
export interface Republisher {
  republish(studyInstanceUid: string, actor: string): Promise<{ queued: number }>;
}

/** The plain services the review controllers use (built in createReviewServer; no reflection). */
export interface ReviewServices {
  worklist: WorklistService;
  studies: StudyViewService;
  labels: LabelsService;
  images: ImageRenderService;
  publisher: Republisher | null;
  /** Retraining runs (issue 8); null when this server was started without the service. */
  retraining: RetrainingService | null;
  ctx: PluginContext;
  /** Whether bearer tokens are configured (the SPA shows sign-in only then). */
  authRequired: boolean;
}

export const REVIEW_SERVICES = Symbol('ReviewServices');
