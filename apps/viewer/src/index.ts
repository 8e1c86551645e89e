/**
 * apps/viewer — issue 7: the clinicians' review web app (src/server, src/review, web/) and the
 * publisher of SC/SR results to PACS (src/publish).
 */
export const APP_NAME = 'viewer';
export { createReviewServer, type ReviewServer, type ReviewServerDeps } from './server/review.server.js';
export type { Republisher } from './server/review.deps.js';
export { startViewer, startViewerRole, type Viewer, type ViewerDeps } from './start-viewer.js';
export { startPublisher, type Publisher } from './publish/publisher.js';
export {
  parseViewerConfig,
  viewerConfigSchema,
  type ViewerConfig,
  type ViewerConfigInput,
} from './config/viewer.config.js';
