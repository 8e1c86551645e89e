/** Pipeline manifests without TensorFlow.js (`@ropline/models/manifest`): for processes that only read versions. */
export {
  PIPELINE_FORMAT,
  PIPELINE_MANIFEST_FILE,
  pipelineManifestSchema,
  type PipelineManifest,
} from './artifacts/pipeline-manifest.schema.js';
