import path from 'node:path';
import type { PluginContext } from '@ropline/core';
import { openDatabase, type Database } from '@ropline/db';
import type { LocalBlobStore } from '../blob/blob-store.local.js';
import { IngestService } from '../ingest/ingest.service.js';
import { createGatewayRegistry } from '../plugins.js';
import { startDimseServer, type DimseServer } from './dimse-server.js';
import type { ResolvedDimseConfig } from './dimse.config.js';

export interface DimseStack {
  db: Database;
  blobs: LocalBlobStore;
  ingest: IngestService;
  scp: DimseServer;
  /** Another SCP on the same database and blobs (different AE/limits). */
  startScp(config?: Partial<ResolvedDimseConfig>, maxInstanceBytes?: number): Promise<DimseServer>;
  close(): Promise<void>;
}

/**
 * The gateway's ingest path without HTTP: embedded Postgres + local blob store + IngestService +
 * the DIMSE SCP on a free loopback port (what createGateway wires, minus the other subsystems).
 */
export async function startDimseStack(
  dataDir: string,
  config: Partial<ResolvedDimseConfig>,
  ctx: PluginContext,
): Promise<DimseStack> {
  const blobs = await createGatewayRegistry().create<LocalBlobStore>(
    'blob-store',
    'local',
    { dir: path.join(dataDir, 'blobs') },
    ctx,
  );
  const db = await openDatabase({ dataDir }, ctx);
  const ingest = new IngestService(db, blobs, 'reject', ctx);
  const servers: DimseServer[] = [];
  const startScp = async (over: Partial<ResolvedDimseConfig> = {}, maxInstanceBytes = 64 * 2 ** 20) => {
    const scp = await startDimseServer({
      config: {
        enabled: true,
        host: '127.0.0.1',
        port: 0,
        aeTitle: 'ROPLINE',
        allowedCallingAeTitles: null,
        maxAssociations: 8,
        ...over,
      },
      limits: { maxInstanceBytes, minFreeDiskBytes: 0 },
      blobs,
      ingest,
      ctx,
    });
    servers.push(scp);
    return scp;
  };
  const scp = await startScp(config);
  return {
    db,
    blobs,
    ingest,
    scp,
    startScp,
    async close() {
      for (const s of servers) await s.close();
      await db.close();
    },
  };
}
