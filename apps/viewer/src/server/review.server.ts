import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { PluginContext } from '@ropline/core';
import type { Database } from '@ropline/db';
import { assertSecureBinding, registerAccessLog, type BlobStore, type TokenEntry } from '@ropline/gateway';
import type { ViewerConfig } from '../config/viewer.config.js';
import { ImageRenderService } from '../review/image-render.service.js';
import { LabelsService } from '../review/labels.service.js';
import { StudyViewService } from '../review/study-view.service.js';
import { WorklistService } from '../review/worklist.service.js';
import type { Republisher } from './review.deps.js';
import type { RetrainingService } from '../retraining/retraining.service.js';
import { ReviewModule } from './review.module.js';
import { registerSpa } from './spa.static.js';

export interface ReviewServerDeps {
  config: ViewerConfig;
  db: Database;
  blobs: Pick<BlobStore, 'get'>;
  /** The gateway's resolved bearer tokens (resolveTokens); empty = no auth, loopback only. */
  tokens: TokenEntry[];
  ctx: PluginContext;
  publisher?: Republisher;
  retraining?: RetrainingService;
  /** The built SPA (default apps/viewer/web/dist). */
  webRoot?: string;
}

export interface ReviewServer {
  /** e.g. http://127.0.0.1:8081 (SPA at /, API under /api/review). */
  url: string;
  /** Stops HTTP; the database and blob store belong to the caller. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * The clinicians' review web app: the SPA at `/` and the JSON API under `/api/review`, NestJS on
 * Fastify, guarded by the gateway's AuthGuard. Refuses (CONFIG.INSECURE) a non-loopback host
 * without tokens before listening.
 */
export async function createReviewServer(deps: ReviewServerDeps): Promise<ReviewServer> {
  const { config, db, blobs, tokens, ctx } = deps;
  assertSecureBinding(config.host, tokens);
  const labels = new LabelsService(db);
  const services = {
    worklist: new WorklistService(db),
    studies: new StudyViewService(db, blobs, labels),
    labels,
    images: new ImageRenderService(db, blobs),
    publisher: deps.publisher ?? null,
    retraining: deps.retraining ?? null,
    ctx,
    authRequired: tokens.length > 0,
  };
  const app = await NestFactory.create<NestFastifyApplication>(
    ReviewModule.forRoot(services, tokens),
    new FastifyAdapter({ bodyLimit: 2 * 1024 * 1024 }),
    { logger: false, abortOnError: false },
  );
  try {
    const fastify = app.getHttpAdapter().getInstance();
    registerAccessLog(fastify, ctx);
    const built = await registerSpa(fastify, deps.webRoot);
    await app.listen(config.port, config.host);
    const addr = app.getHttpServer().address() as AddressInfo;
    const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
    const url = `http://${host}:${addr.port}`;
    ctx.log('info', 'review server listening', {
      url,
      spa: built ? 'built' : 'not built (npm run build -w apps/viewer)',
      auth: tokens.length ? `${tokens.length} token(s)` : 'none (loopback only)',
      publisher: deps.publisher ? 'yes' : 'none',
    });
    let closing: Promise<void> | null = null;
    return { url, close: () => (closing ??= app.close().catch(() => undefined)) };
  } catch (e) {
    await app.close().catch(() => undefined);
    throw e;
  }
}
