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
