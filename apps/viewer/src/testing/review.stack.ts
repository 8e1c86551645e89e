import { createGateway, resolveTokens, type Gateway, type TokenEntry } from '@ropline/gateway';
import { parseViewerConfig } from '../config/viewer.config.js';
import { createReviewServer, type ReviewServer, type ReviewServerDeps } from '../server/review.server.js';
import { makeTempDir } from './review.fixtures.js';

export const TOKENS = {
  clinician: 'clinician-token-0123456789',
  scientist: 'scientist-token-0123456789',
  sender: 'sender-token-0123456789abc',
  admin: 'admin-token-0123456789abcd',
};

/** Tokens as the gateway resolves them: dr-ada (clinician), sci-bo (data-scientist), pacs, ops (admin). */
export const testTokens = (): TokenEntry[] =>
  resolveTokens(
    {
      tokens: [
        { name: 'dr-ada', token: TOKENS.clinician, roles: ['clinician'] },
        { name: 'sci-bo', token: TOKENS.scientist, roles: ['data-scientist'] },
        { name: 'pacs', token: TOKENS.sender, roles: ['sender'] },
        { name: 'ops', token: TOKENS.admin, roles: ['admin'] },
      ],
    },
    {},
  );

export interface ReviewStack {
  gw: Gateway;
  logs: string[];
  startReview(o?: Partial<Omit<ReviewServerDeps, 'db' | 'blobs' | 'ctx' | 'config'>>): Promise<ReviewServer>;
  close(): Promise<void>;
}

/**
 * A real gateway (embedded Postgres in a temp dir, demo pipeline worker, short quiet period, no
 * auth on loopback) and review servers over its database and blob store. Every log line is kept
 * (as JSON) so tests can check that no planted PHI reaches the logs.
 */
export async function startReviewStack(prefix: string): Promise<ReviewStack> {
  const tmp = await makeTempDir(prefix);
  const logs: string[] = [];
  const ctx = {
    log: (level: string, msg: string, meta?: Record<string, unknown>) =>
      void logs.push(JSON.stringify({ level, msg, ...meta })),
  };
  const gw = await createGateway(
    {
      port: 0,
      dataDir: tmp.dir,
      limits: { minFreeDiskBytes: 0 },
      dimse: { enabled: false },
      analysis: { quietPeriodMs: 300, eyeStageMinConfidence: 0 },
      worker: { backend: 'wasm' },
    },
    ctx,
  );
  const servers: ReviewServer[] = [];
  return {
    gw,
    logs,
    async startReview(o = {}) {
      const s = await createReviewServer({
        config: parseViewerConfig({ port: 0 }),
        db: gw.db,
        blobs: gw.blobs,
        tokens: o.tokens ?? [],
        ctx,
        ...o,
      });
      servers.push(s);
      return s;
    },
    async close() {
      for (const s of servers) await s.close();
      await gw.close();
      await tmp.remove();
    },
  };
}
