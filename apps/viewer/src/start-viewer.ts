import type { PluginContext } from '@ropline/core';
import type { Database } from '@ropline/db';
import {
  openStores,
  parseGatewayConfig,
  resolveTokens,
  startAnalysis,
  type JobQueue,
  type LocalBlobStore,
  type TokenEntry,
} from '@ropline/gateway';
import path from 'node:path';
import type { ViewerConfig } from './config/viewer.config.js';
import { cliRetrainSteps } from './retraining/cli-steps.js';
import { RetrainingService, type RetrainSteps } from './retraining/retraining.service.js';
import { startPublisher, type Publisher } from './publish/publisher.js';
import { createReviewServer } from './server/review.server.js';

export interface Viewer {
  /** The review page and its API, e.g. http://127.0.0.1:8081. */
  url: string;
  publisher: Publisher;
  /** Stops HTTP, then the publisher (after the batch in flight). Safe to call twice. */
  close(): Promise<void>;
}

export interface ViewerDeps {
  config: ViewerConfig;
  db: Database;
  blobs: LocalBlobStore;
  /** The gateway's queue (publish-results is created by the gateway's analysis runtime). */
  queue: JobQueue;
  tokens: TokenEntry[];
  ctx: PluginContext;
  /** ROPline's data dir (blobs, registry store, pseudonym key): where retraining runs work. */
  dataDir: string;
  /** The built SPA (default apps/viewer/web/dist). */
  webRoot?: string;
  /** How a retraining run does its work (default: `rop dataset snapshot` + `rop retrain` child processes). */
  retrainSteps?: RetrainSteps;
}

/** The viewer app on the gateway's database, blobs and queue: publisher (SC/SR -> outbox -> PACS) + review page. */
export async function startViewer(deps: ViewerDeps): Promise<Viewer> {
  const publisher = await startPublisher(deps);
  try {
    const { createModelRegistry } = await import('@ropline/registry');
    const retraining = new RetrainingService(
      deps.db,
      deps.queue,
      deps.retrainSteps ?? cliRetrainSteps({ databaseUrl: deps.db.url, dataDir: deps.dataDir }),
      deps.config.retraining,
      deps.ctx,
      createModelRegistry({ prisma: deps.db.prisma, storeDir: path.join(deps.dataDir, 'models') }),
    );
    await retraining.start();
    const server = await createReviewServer({ ...deps, publisher, retraining });
    let closing: Promise<void> | null = null;
    return {
      url: server.url,
      publisher,
      close() {
        closing ??= server.close().then(() => publisher.close());
        return closing;
      },
    };
  } catch (e) {
    await publisher.close();
    throw e;
  }
}

/**
 * The viewer role alone (`rop gateway --role viewer`): opens the gateway's database, blob store and
 * queue from the gateway config (no HTTP ingest, no DIMSE, no analysis worker) and starts the viewer.
 */
export async function startViewerRole(
  gatewayInput: unknown,
  config: ViewerConfig,
  ctx: PluginContext,
): Promise<Viewer> {
  const gwConfig = parseGatewayConfig({
    ...(gatewayInput as object),
    worker: { ...(gatewayInput as { worker?: object })?.worker, enabled: false },
  });
  const tokens = resolveTokens(gwConfig.auth);
  const { registry, blobs, db } = await openStores(gwConfig, ctx);
  try {
    const runtime = await startAnalysis({ config: gwConfig, db, blobs, registry, ctx });
    try {
      const viewer = await startViewer({
        config,
        db,
        blobs,
        queue: runtime.queue,
        tokens,
        ctx,
        dataDir: gwConfig.dataDir,
      });
      return {
        ...viewer,
        close: () =>
          viewer
            .close()
            .then(() => runtime.close())
            .then(() => db.close()),
      };
    } catch (e) {
      await runtime.close();
      throw e;
    }
  } catch (e) {
    await db.close();
    throw e;
  }
}
