import { PluginRegistry, type AnyManifest } from '@ropline/core';
import { localBlobStoreManifest } from './blob/blob-store.local.js';
import { pgBossQueueManifest } from './queue/job-queue.pg-boss.js';

/** The plugins this app ships (data, not reflection). */
export const gatewayPlugins: readonly AnyManifest[] = [localBlobStoreManifest, pgBossQueueManifest];

export function createGatewayRegistry(): PluginRegistry {
  return new PluginRegistry(gatewayPlugins);
}
