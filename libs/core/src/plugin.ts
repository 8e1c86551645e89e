import type { z } from 'zod';
import { RopError } from './errors.js';

/** Kinds of replaceable parts; each is chosen by configuration, never by editing code. */
export type PluginKind =
  | 'backend'
  | 'decoder'
  | 'segmenter'
  | 'classifier'
  | 'blob-store'
  | 'job-queue'
  | 'result-writer'
  | 'sink'
  | 'ingress';

export interface PluginContext {
  log: (level: 'debug' | 'info' | 'warn' | 'error', msg: string, meta?: Record<string, unknown>) => void;
}

export interface PluginManifest<C, T> {
  kind: PluginKind;
  /** Unique within its kind, e.g. 'segmenter-unet'. */
  id: string;
  /** Defaults live in the schema; `create` receives the parsed config. */
  configSchema: z.ZodType<C>;
  create(config: C, ctx: PluginContext): T | Promise<T>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyManifest = PluginManifest<any, any>;

/** A registry is a data list of manifests; lookups fail loudly on a missing id. */
export class PluginRegistry {
  private readonly byKey = new Map<string, AnyManifest>();

  constructor(manifests: readonly AnyManifest[]) {
    for (const m of manifests) {
      const key = `${m.kind}:${m.id}`;
      if (this.byKey.has(key)) {
        throw new RopError('PLUGIN.DUPLICATE_ID', `Plugin ${key} is registered twice`, {
          kind: m.kind,
          id: m.id,
        });
      }
      this.byKey.set(key, m);
    }
  }

  ids(kind: PluginKind): string[] {
    return [...this.byKey.values()].filter((m) => m.kind === kind).map((m) => m.id);
  }

  get(kind: PluginKind, id: string): AnyManifest {
    const m = this.byKey.get(`${kind}:${id}`);
    if (!m) {
      throw new RopError(
        'PLUGIN.NOT_FOUND',
        `No ${kind} plugin '${id}'; available: ${this.ids(kind).join(', ') || 'none'}`,
        { kind, id },
      );
    }
    return m;
  }

  /** Validates `config` against the manifest's schema and creates the plugin. */
  async create<T>(kind: PluginKind, id: string, config: unknown, ctx: PluginContext): Promise<T> {
    const m = this.get(kind, id);
    const parsed = m.configSchema.safeParse(config ?? {});
    if (!parsed.success) {
      const issues = parsed.error.issues
        .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
        .join('; ');
      throw new RopError('CONFIG.INVALID', `Invalid config for ${kind} '${id}': ${issues}`, { kind, id });
    }
    return (await m.create(parsed.data, ctx)) as T;
  }
}
