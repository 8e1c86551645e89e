import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { PluginContext } from '@ropline/core';
import type { Database } from '@ropline/db';
import type { LocalBlobStore } from './blob/blob-store.local.js';
import { parseGatewayConfig, type GatewayConfig } from './config/gateway.config.js';
import { GatewayModule } from './gateway.module.js';
import { IngestService } from './ingest/ingest.service.js';
import { openStores } from './plugins.js';
import { startAnalysis, type AnalysisRuntime } from './analysis/analysis.runtime.js';
import { StowService } from './stow/stow.service.js';
import { startDimseServer, type DimseServer } from './dimse/dimse-server.js';
import { resolveDimseConfig } from './dimse/dimse.config.js';
import { assertSecureBinding, resolveTokens } from './auth/auth.config.js';
import { createJsonLogger, type LogLevel } from './ops/json-logger.js';
import { GatewayMetrics } from './ops/metrics.js';
import { registerAccessLog } from './ops/access-log.js';

export interface Gateway {
  /** e.g. http://127.0.0.1:8080 (DICOMweb under /dicomweb). */
  url: string;
  app: NestFastifyApplication;
  config: GatewayConfig;
  db: Database;
  blobs: LocalBlobStore;
  /** The C-ECHO/C-STORE SCP (src/dimse), null when `dimse.enabled` is false. */
  dimse: { port: number; aeTitle: string } | null;
  /** Queue, routing/study assembly and (when `worker.enabled`) the in-process analysis worker. */
  analysis: AnalysisRuntime;
  /** Prometheus metrics of this gateway (own registry), served at /metrics. */
  metrics: GatewayMetrics;
  /** Stops DIMSE (after stores in flight), HTTP, then the database. Safe to call twice. */
  close(): Promise<void>;
}

const defaultLogger = (): PluginContext =>
  createJsonLogger({ level: (process.env.ROPLINE_LOG_LEVEL as LogLevel | undefined) ?? 'info' });

/**
 * Validates the config, opens the DB and blob store, and starts Nest on Fastify. Without `ctx`, logs
 * go to stdout as JSON lines (pino, PHI-redacting; level from ROPLINE_LOG_LEVEL). Refuses
 * (CONFIG.INSECURE) a non-loopback host without bearer tokens, before opening anything.
 */
export async function createGateway(
  input: unknown = {},
  ctx: PluginContext = defaultLogger(),
): Promise<Gateway> {
  const config = parseGatewayConfig(input);
  const tokens = resolveTokens(config.auth);
  assertSecureBinding(config.host, tokens);
  let queueDepths: (() => Promise<Record<string, number>>) | undefined;
  const metrics = new GatewayMetrics(() => queueDepths?.() ?? Promise.resolve({}));
  const { registry, blobs, db } = await openStores(config, ctx);
  let app: NestFastifyApplication | null = null;
  let dimse: DimseServer | null = null;
  let analysis: AnalysisRuntime | null = null;
  try {
    analysis = await startAnalysis({ config, db, blobs, registry, ctx, metrics });
    const runtime = analysis;
    queueDepths = runtime.queue.depths?.bind(runtime.queue);
    const ingest = new IngestService(
      db,
      blobs,
      config.duplicatePolicy,
      ctx,
      runtime.assembler.onStored,
      metrics,
    );
    const stow = new StowService(config, blobs, ingest, ctx);
    const publicUrl = { url: config.publicUrl?.replace(/\/$/, '') ?? '' };
    app = await NestFactory.create<NestFastifyApplication>(
      GatewayModule.forRoot({
        stow,
        publicUrl,
        ctx,
        dicomweb: { db, blobs, publicUrl, ctx },
        ops: { db, queue: runtime.queue, metrics, tokens },
      }),
      new FastifyAdapter(),
      { logger: false, abortOnError: false },
    );
    // Hand STOW bodies over as the raw stream (no buffering, no Fastify body limit): the service
    // streams them to disk and enforces its own limits. JSON/text keep Fastify's parsers.
    const fastify = app.getHttpAdapter().getInstance();
    fastify.addContentTypeParser('*', (_req, payload, done) => done(null, payload));
    registerAccessLog(fastify, ctx);
    await app.listen(config.port, config.host);
    const addr = app.getHttpServer().address() as AddressInfo;
    const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
    const url = `http://${host}:${addr.port}`;
    publicUrl.url ||= url;
    if (config.dimse.enabled) {
      const dimseConfig = resolveDimseConfig(config.dimse, config.port);
      dimse = await startDimseServer({ config: dimseConfig, limits: config.limits, blobs, ingest, ctx });
    }
    const scp = dimse;
    ctx.log('info', 'gateway listening', {
      url,
      duplicatePolicy: config.duplicatePolicy,
      auth: tokens.length ? `${tokens.length} token(s)` : 'none (loopback only)',
    });
    const started = app;
    let closing: Promise<void> | null = null;
    return {
      url,
      app: started,
      config,
      db,
      blobs,
      dimse: scp ? { port: scp.port, aeTitle: scp.aeTitle } : null,
      analysis: runtime,
      metrics,
      close() {
        closing ??= (async () => {
          await scp?.close().catch(() => undefined);
          await started.close().catch(() => undefined);
          await runtime.close();
          await db.close();
        })();
        return closing;
      },
    };
  } catch (e) {
    await dimse?.close().catch(() => undefined);
    await app?.close().catch(() => undefined);
    await analysis?.close().catch(() => undefined);
    await db.close();
    throw e;
  }
}
