import { getBackend } from '@tensorflow/tfjs-core';
import { PluginRegistry, RopError, type PluginContext } from '@ropline/core';
import { backendConfigSchema, type BackendConfigInput } from './backend-config.schema.js';
import type { BackendName, ComputeBackend } from './compute-backend.port.js';
import { cpuBackendPlugin } from './cpu.backend.js';
import { tensorflowBackendPlugin } from './tensorflow.backend.js';
import { wasmBackendPlugin } from './wasm.backend.js';

/** The backend plugins ROPline ships (data, not reflection); apps may list them in plugins.ts. */
export const BACKEND_PLUGINS = [tensorflowBackendPlugin, wasmBackendPlugin, cpuBackendPlugin] as const;

export interface BackendSelection {
  name: BackendName;
  /** Why this one: requested by config, or what `auto` found missing on the way. */
  reason: string;
}

const defaultRegistry = new PluginRegistry([...BACKEND_PLUGINS]);
// The last selection per registry. tfjs holds ONE active backend per process, so a cached
// selection only stands while that backend is still the active one.
const lastSelection = new WeakMap<PluginRegistry, { key: string; result: Promise<BackendSelection> }>();

/**
 * Makes the configured tfjs backend active: `auto` takes the fastest available
 * (tensorflow > wasm > cpu) and logs which one and why; an explicit name that is not available
 * fails with RopError MODEL.BACKEND_UNAVAILABLE saying how to install it. Idempotent: a second call
 * with the same config returns the same selection without re-initialising anything.
 */
export async function initBackend(
  config: BackendConfigInput | undefined,
  ctx: PluginContext,
  registry: PluginRegistry = defaultRegistry,
): Promise<BackendSelection> {
  const parsed = backendConfigSchema.safeParse(config ?? {});
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new RopError('CONFIG.INVALID', `Invalid compute backend config: ${issues}`);
  }
  const key = JSON.stringify(parsed.data);
  const last = lastSelection.get(registry);
  if (last?.key === key) {
    const previous = await last.result.catch(() => undefined);
    if (previous && getBackend() === previous.name) return previous;
  }
  const result = select(parsed.data.backend, parsed.data.options, ctx, registry);
  lastSelection.set(registry, { key, result });
  // A failed start is not cached: the next call tries again (e.g. after a package was installed).
  result.catch(() => {
    if (lastSelection.get(registry)?.result === result) lastSelection.delete(registry);
  });
  return result;
}

async function select(
  wanted: 'auto' | BackendName,
  options: Record<string, unknown>,
  ctx: PluginContext,
  registry: PluginRegistry,
): Promise<BackendSelection> {
  const ids = wanted === 'auto' ? registry.ids('backend') : [wanted];
  const backends: ComputeBackend[] = [];
  for (const id of ids) backends.push(await registry.create<ComputeBackend>('backend', id, options[id], ctx));
  backends.sort((a, b) => b.speedRank - a.speedRank);

  const skipped: string[] = [];
  for (const backend of backends) {
    const probe = await backend.probe();
    if (!probe.available) {
      if (wanted !== 'auto') throw unavailable(backend, probe.detail);
      skipped.push(`${backend.name} unavailable (${probe.detail})`);
      continue;
    }
    try {
      await backend.activate();
    } catch (e) {
      if (wanted !== 'auto') throw e;
      skipped.push(`${backend.name} failed to start (${(e as Error).message})`);
      continue;
    }
    const facts = backend.describe ? `; ${await backend.describe()}` : '';
    const reason =
      wanted === 'auto'
        ? `auto: fastest available${skipped.length ? `; ${skipped.join('; ')}` : ''}${facts}`
        : `requested by config${facts}`;
    ctx.log('info', `compute backend: ${backend.name} (${reason})`, { backend: backend.name });
    return { name: backend.name, reason };
  }
  throw new RopError('MODEL.BACKEND_UNAVAILABLE', `No compute backend is available: ${skipped.join('; ')}`);
}

function unavailable(backend: ComputeBackend, detail: string): RopError {
  return new RopError(
    'MODEL.BACKEND_UNAVAILABLE',
    `Compute backend '${backend.name}' is not available (${detail}). To use it, ${backend.installHint}.`,
    { backend: backend.name },
  );
}
