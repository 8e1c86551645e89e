import type { AddressInfo, Server as NetServer } from 'node:net';
import dcmjsDimse from 'dcmjs-dimse';
import { RopError, type PluginContext } from '@ropline/core';
import type { BlobStore } from '../blob/blob-store.port.js';
import type { IngestService } from '../ingest/ingest.service.js';
import type { ResolvedDimseConfig } from './dimse.config.js';
import { createStoreScpClass } from './store-scp.js';

const { Server, log: dimseLog } = dcmjsDimse;

export interface DimseServer {
  port: number;
  aeTitle: string;
  /** Stops listening, closes open associations, waits for stores in flight. Safe to call twice. */
  close(): Promise<void>;
}

export interface DimseServerDeps {
  config: ResolvedDimseConfig;
  limits: { maxInstanceBytes: number; minFreeDiskBytes: number };
  blobs: BlobStore;
  ingest: IngestService;
  ctx: PluginContext;
}

/**
 * Starts the C-ECHO / C-STORE SCP on `config.host:config.port` (0 = a free port). dcmjs-dimse's
 * own logger is silenced: with data set logging it could print patient attributes; the SCP logs
 * UIDs, sizes and statuses through `ctx` instead.
 */
export async function startDimseServer(deps: DimseServerDeps): Promise<DimseServer> {
  dimseLog.setLevel('silent');
  const inFlight = new Set<Promise<unknown>>();
  const track = (work: Promise<unknown>) => {
    const p = work.catch(() => undefined).finally(() => inFlight.delete(p));
    inFlight.add(p);
  };
  const server = new Server(createStoreScpClass({ ...deps, associations: { active: 0 }, track }));
  server.on('networkError', (e: Error) => deps.ctx.log('warn', 'DIMSE network error', { error: e.message }));
  const listening = new Promise<void>((resolve, reject) => {
    server.once('listening', () => resolve());
    server.once('networkError', (e: Error) => reject(e));
  });
  // dcmjs-dimse passes its first argument to net.Server#listen: an object binds host and port.
  server.listen({ port: deps.config.port, host: deps.config.host } as unknown as number, {
    associationTimeout: 30_000,
    pduTimeout: 60_000,
  });
  const net = (server as unknown as { server: NetServer }).server;
  try {
    await listening;
  } catch (e) {
    server.close();
    throw new RopError(
      'DIMSE.LISTEN_FAILED',
      `DIMSE SCP could not listen on ${deps.config.host}:${deps.config.port}`,
      {
        error: (e as Error).message,
      },
    );
  }
  const port = (net.address() as AddressInfo).port;
  deps.ctx.log('info', 'DIMSE SCP listening', { host: deps.config.host, port, aeTitle: deps.config.aeTitle });
  let closing: Promise<void> | null = null;
  return {
    port,
    aeTitle: deps.config.aeTitle,
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((r) => net.close(() => r()));
        server.close();
        await closed;
        while (inFlight.size > 0) await Promise.all([...inFlight]);
      })();
      return closing;
    },
  };
}
