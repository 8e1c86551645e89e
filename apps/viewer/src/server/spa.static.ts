import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';

/** Where `npm run build -w apps/viewer` (vite build --config web/vite.config.ts) writes the SPA. */
export const DEFAULT_WEB_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../web/dist');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/** Same-origin only; images are blob: URLs made from authenticated fetches. */
const CSP =
  "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; script-src 'self'; " +
  "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

const NOT_BUILT =
  'The review web app is not built. Run `npm run build -w apps/viewer` (vite build) and restart the viewer.\n';

async function listFiles(root: string): Promise<string[]> {
  try {
    const entries = await readdir(root, { recursive: true, withFileTypes: true });
    return entries
      .filter((e) => e.isFile())
      .map((e) => path.relative(root, path.join(e.parentPath, e.name)).split(path.sep).join('/'));
  } catch {
    return [];
  }
}

/**
 * Serves the built SPA: `/` is index.html, other files by exact name from the list read at start
 * (a request path is looked up in that list, never joined onto a directory). Without a build, `/`
 * answers 503 with the command that builds it.
 */
export async function registerSpa(
  fastify: FastifyInstance,
  root: string = DEFAULT_WEB_ROOT,
): Promise<boolean> {
  const files = new Map<string, string>();
  for (const rel of await listFiles(root)) files.set(`/${rel}`, path.join(root, rel));
  const index = files.get('/index.html');
  const headers = (type: string) => ({
    'content-type': type,
    'content-security-policy': CSP,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  });
  fastify.get('/', async (_req, reply) => {
    if (!index) return reply.code(503).type('text/plain; charset=utf-8').send(NOT_BUILT);
    return reply
      .headers({ ...headers(TYPES['.html']), 'cache-control': 'no-cache' })
      .send(await readFile(index));
  });
  for (const [url, file] of files) {
    if (url === '/index.html') continue;
    const type = TYPES[path.extname(url)] ?? 'application/octet-stream';
    // Vite names assets by content hash: cacheable for good.
    const cache = url.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
    fastify.get(url, async (_req, reply) =>
      reply.headers({ ...headers(type), 'cache-control': cache }).send(await readFile(file)),
    );
  }
  return index !== undefined;
}
