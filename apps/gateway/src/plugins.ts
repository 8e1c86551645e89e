import path from 'node:path';
import { PluginRegistry, type AnyManifest, type PluginContext } from '@ropline/core';
import { openDatabase, type Database } from '@ropline/db';
import { localBlobStoreManifest, type LocalBlobStore } from './blob/blob-store.local.js';
import type { GatewayConfig } from './config/gateway.config.js';
import { pgBossQueueManifest } from './queue/job-queue.pg-boss.js';

/** The plugins this app ships (data, not reflection). */
export const gatewayPlugins: readonly AnyManifest[] = [localBlobStoreManifest, pgBossQueueManifest];

export function createGatewayRegistry(): PluginRegistry {
  return new PluginRegistry(gatewayPlugins);
}

/** What every gateway role starts from: the plugin registry, the blob store and the database. */
export async function openStores(
  config: GatewayConfig,
  ctx: PluginContext,
): Promise<{ registry: PluginRegistry; blobs: LocalBlobStore; db: Database }> {
  const registry = createGatewayRegistry();
  const blobs = await registry.create<LocalBlobStore>(
    'blob-store',
    'local',
    { dir: path.join(config.dataDir, 'blobs'), directWrites: config.blobs.directWrites },
    ctx,
  );
  const db = await openDatabase(
    { dataDir: config.dataDir, ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : {}) },
    ctx,
  );
  return { registry, blobs, db };
}
