import 'reflect-metadata';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { PluginContext } from '@ropline/core';
import { openDatabase, type Database } from '@ropline/db';
import type { LocalBlobStore } from './blob/blob-store.local.js';
import { parseGatewayConfig, type GatewayConfig } from './config/gateway.config.js';
import { GatewayModule } from './gateway.module.js';
import { IngestService } from './ingest/ingest.service.js';
import { createGatewayRegistry } from './plugins.js';
import { StowService } from './stow/stow.service.js';

export interface Gateway {
  /** e.g. http://127.0.0.1:8080 (DICOMweb under /dicomweb). */
  url: string;
  app: NestFastifyApplication;
  config: GatewayConfig;
  db: Database;
  blobs: LocalBlobStore;
  /** Stops HTTP, then the database. Safe to call twice. */
  close(): Promise<void>;
}

const silent: PluginContext = { log: () => undefined };

/** Validates the config, opens the DB and blob store, and starts Nest on Fastify. */
export async function createGateway(input: unknown = {}, ctx: PluginContext = silent): Promise<Gateway> {
  const config = parseGatewayConfig(input);
  const registry = createGatewayRegistry();
  const blobs = await registry.create<LocalBlobStore>(
    'blob-store',
    'local',
    { dir: path.join(config.dataDir, 'blobs') },
    ctx,
  );
  const db = await openDatabase(
    { dataDir: config.dataDir, ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : {}) },
    ctx,
  );
  let app: NestFastifyApplication | null = null;
  try {
    const ingest = new IngestService(db, blobs, config.duplicatePolicy, ctx);
    const stow = new StowService(config, blobs, ingest, ctx);
    const publicUrl = { url: config.publicUrl?.replace(/\/$/, '') ?? '' };
    app = await NestFactory.create<NestFastifyApplication>(
      GatewayModule.forRoot({ stow, publicUrl, ctx }),
      new FastifyAdapter(),
      { logger: false, abortOnError: false },
    );
    // Hand STOW bodies over as the raw stream (no buffering, no Fastify body limit): the service
    // streams them to disk and enforces its own limits. JSON/text keep Fastify's parsers.
    app
      .getHttpAdapter()
      .getInstance()
      .addContentTypeParser('*', (_req, payload, done) => done(null, payload));
    await app.listen(config.port, config.host);
    const addr = app.getHttpServer().address() as AddressInfo;
    const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
    const url = `http://${host}:${addr.port}`;
    publicUrl.url ||= url;
    ctx.log('info', 'gateway listening', { url, duplicatePolicy: config.duplicatePolicy });
    const started = app;
    let closing: Promise<void> | null = null;
    return {
      url,
      app: started,
      config,
      db,
      blobs,
      close() {
        closing ??= (async () => {
          await started.close().catch(() => undefined);
          await db.close();
        })();
        return closing;
      },
    };
  } catch (e) {
    await app?.close().catch(() => undefined);
    await db.close();
    throw e;
  }
}
