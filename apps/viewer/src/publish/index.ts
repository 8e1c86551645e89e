export { startPublisher, type Publisher, type PublisherDeps } from './publisher.js';
export { buildAnalysisResults, type BuildSummary, type ReviewFacts } from './result-objects.js';
export { maskToPolylines } from './mask-polylines.js';
export { toStageLabel } from './stage-label.js';
