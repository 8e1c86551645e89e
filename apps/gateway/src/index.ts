/**
 * apps/gateway — first slice of issue 6: durable STOW-RS ingest (config, content-addressed blob
 * store, Study/Series/Instance rows). DIMSE, QIDO/WADO, routing, queue and workers come later.
 */
export const APP_NAME = 'gateway';
export { createGateway, type Gateway } from './create-gateway.js';
export {
  gatewayConfigSchema,
  parseGatewayConfig,
  type GatewayConfig,
  type GatewayConfigInput,
} from './config/gateway.config.js';
export { LocalBlobStore, localBlobStoreManifest } from './blob/blob-store.local.js';
export type { BlobRef, BlobStore, StagedBlob } from './blob/blob-store.port.js';
export { gatewayPlugins } from './plugins.js';
export { MultipartParser, parseMediaType } from './stow/multipart.parser.js';
export { FailureReason } from './stow/stow.response.js';
export {
  routingConfigSchema,
  DEFAULT_ROUTE_RULES,
  OP_SOP_CLASSES,
  type RoutingConfig,
} from './routing/routing.config.js';
export { routeInstance, type RouteDecision, type RoutingFacts } from './routing/routing.rules.js';
export type { AnalysisWorker } from './analysis/analysis.worker.js';
export { startWorker } from './analysis/start-worker.js';
export { DEMO_PIPELINE_DIR, type AnalysisConfig, type WorkerConfig } from './analysis/analysis.config.js';
export { ANALYZE_STUDY, ANALYZE_STUDY_DEAD } from './analysis/analysis.queues.js';
export { aggregateEyes, INDETERMINATE } from './analysis/eye-aggregate.rule.js';
export { createPgBossQueue, pgBossQueueManifest } from './queue/job-queue.pg-boss.js';
export type { JobQueue, QueueJob } from './queue/job-queue.port.js';
export { AuthGuard, Public, RequireRoles, principalOf, type Principal } from './auth/auth.guard.js';
export { assertSecureBinding, resolveTokens, ROLES, type Role, type TokenEntry } from './auth/auth.config.js';
export {
  ResultsService,
  stageRank,
  studyStatusOf,
  type EyeView,
  type StudyResults,
  type StudyStatus,
} from './results/results.service.js';
export { eyeOf } from './analysis/eye-aggregate.rule.js';
export { registerAccessLog } from './ops/access-log.js';
export { PUBLISH_RESULTS, type PublishResultsJob } from './analysis/analysis.queues.js';
export { openStores } from './plugins.js';
export { startAnalysis, type AnalysisRuntime } from './analysis/analysis.runtime.js';
