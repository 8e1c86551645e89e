import type { PluginContext } from '@ropline/core';
import { parseGatewayConfig } from '../config/gateway.config.js';
import { openStores } from '../plugins.js';
import { startAnalysis, type AnalysisRuntime } from './analysis.runtime.js';

const silent: PluginContext = { log: () => undefined };

/**
 * The worker role alone (no HTTP, no DIMSE): the gateway config with `worker.enabled` forced on.
 * Point `databaseUrl` at the shared Postgres and `dataDir` at the shared blob directory.
 */
export async function startWorker(
  input: unknown = {},
  ctx: PluginContext = silent,
): Promise<AnalysisRuntime & { close(): Promise<void> }> {
  const config = parseGatewayConfig({
    ...(input as object),
    worker: { ...(input as { worker?: object })?.worker, enabled: true },
  });
  const { registry, blobs, db } = await openStores(config, ctx);
  try {
    const runtime = await startAnalysis({ config, db, blobs, registry, ctx });
    let closing: Promise<void> | null = null;
    return {
      ...runtime,
      close() {
        closing ??= runtime.close().then(() => db.close());
        return closing;
      },
    };
  } catch (e) {
    await db.close();
    throw e;
  }
}
