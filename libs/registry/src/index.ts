export {
  inspectArtifact,
  pipelineDigest,
  type ArtifactKind,
  type InspectedArtifact,
} from './artifact-inspect.js';
export { copyIntoStore, storePath } from './artifact-store.js';
export {
  createModelRegistry,
  previousActive,
  type ChangeOptions,
  type GateResult,
  type ListFilter,
  type ModelDetails,
  type ModelEvent,
  type ModelRegistry,
  type ModelStatusName,
  type PromoteOptions,
  type PromotionGate,
  type RegisteredModel,
  type RegisterOptions,
  type RegisterResult,
  type RegistryConfig,
} from './model-registry.js';
export {
  metricGate,
  readRetrainMetrics,
  retrainMetricsSchema,
  type HeldOutEvaluation,
  type HeldOutSet,
  type MetricGateOptions,
  type MetricWithCi,
  type RetrainMetrics,
} from './gate.js';
