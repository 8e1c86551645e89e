import { getBackend } from '@tensorflow/tfjs-core';
import { PluginRegistry, type PluginManifest } from '@ropline/core';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import type { BackendName, ComputeBackend } from './compute-backend.port.js';
import { cpuBackendPlugin } from './cpu.backend.js';
import { initBackend } from './init-backend.js';
import {
  createTensorflowBackend,
  tensorflowBackendPlugin,
  type ModuleImporter,
} from './tensorflow.backend.js';
import { wasmBackendPlugin } from './wasm.backend.js';

const quiet = { log: () => undefined };

/** Real wasm/cpu plugins; tfjs-node simulated by `importer` (absent by default). */
function registryWith(
  importer: ModuleImporter = async (p) => Promise.reject(new Error(`Cannot find package '${p}'`)),
) {
  return new PluginRegistry([
    { ...tensorflowBackendPlugin, create: (c: never) => createTensorflowBackend(c, importer) },
    wasmBackendPlugin,
    cpuBackendPlugin,
  ]);
}

/** Fake backends for the selection rules: nothing is activated in tfjs. */
function fakeRegistry(available: Record<BackendName, boolean>, activated: BackendName[]) {
  const fake = (name: BackendName, speedRank: number): PluginManifest<object, ComputeBackend> => ({
    kind: 'backend',
    id: name,
    configSchema: z.object({}),
    create: () => ({
      name,
      speedRank,
      installHint: `install ${name}`,
      probe: async () => ({ available: available[name], detail: available[name] ? 'ok' : 'not installed' }),
      activate: async () => void activated.push(name),
    }),
  });
  return new PluginRegistry([fake('cpu', 1), fake('tensorflow', 3), fake('wasm', 2)]);
}

describe('initBackend selection rules (fake backends)', () => {
  const T = true;
  const F = false;
  it.each([
    { want: 'auto', tf: T, wasm: T, cpu: T, pick: 'tensorflow' },
    { want: 'auto', tf: F, wasm: T, cpu: T, pick: 'wasm' },
    { want: 'auto', tf: F, wasm: F, cpu: T, pick: 'cpu' },
    { want: 'wasm', tf: T, wasm: T, cpu: T, pick: 'wasm' },
    { want: 'cpu', tf: T, wasm: T, cpu: T, pick: 'cpu' },
    { want: 'tensorflow', tf: F, wasm: T, cpu: T, pick: 'MODEL.BACKEND_UNAVAILABLE' },
    { want: 'auto', tf: F, wasm: F, cpu: F, pick: 'MODEL.BACKEND_UNAVAILABLE' },
  ] as const)(
    '$want with tensorflow=$tf wasm=$wasm cpu=$cpu -> $pick',
    async ({ want, tf, wasm, cpu, pick }) => {
      const activated: BackendName[] = [];
      const run = initBackend(
        { backend: want },
        quiet,
        fakeRegistry({ tensorflow: tf, wasm, cpu }, activated),
      );
      if (pick === 'MODEL.BACKEND_UNAVAILABLE') {
        await expect(run).rejects.toMatchObject({ code: pick });
        expect(activated).toEqual([]);
      } else {
        await expect(run).resolves.toMatchObject({ name: pick });
        expect(activated).toEqual([pick]);
      }
    },
  );

  it('rejects invalid configs with CONFIG.INVALID', async () => {
    await expect(initBackend({ backend: 'gpu' as never }, quiet)).rejects.toMatchObject({
      code: 'CONFIG.INVALID',
    });
    await expect(
      initBackend({ backend: 'wasm', options: { wasm: { fastKernels: 'yes' } } }, quiet, registryWith()),
    ).rejects.toMatchObject({ code: 'CONFIG.INVALID', message: expect.stringContaining('fastKernels') });
  });
});

describe('initBackend with the real tfjs backends', () => {
  it('auto picks wasm when tfjs-node is absent, logs why, and is idempotent', async () => {
    const registry = registryWith();
    const log = vi.fn();
    const first = await initBackend({}, { log }, registry);
    const second = await initBackend({ backend: 'auto' }, { log }, registry);
    expect(first).toEqual(second);
    expect(first.name).toBe('wasm');
    expect(getBackend()).toBe('wasm');
    expect(first.reason).toMatch(/tensorflow unavailable \(.*tfjs-node-gpu.*tfjs-node/);
    expect(first.reason).toMatch(/Conv2DBackpropFilter/);
    expect(log).toHaveBeenCalledTimes(1);
    expect(log).toHaveBeenCalledWith('info', expect.stringContaining('compute backend: wasm'), {
      backend: 'wasm',
    });
  });

  it('fails at start-up for an unavailable tensorflow backend and says how to install it', async () => {
    await expect(initBackend({ backend: 'tensorflow' }, quiet, registryWith())).rejects.toMatchObject({
      code: 'MODEL.BACKEND_UNAVAILABLE',
      message: expect.stringContaining('npm install @tensorflow/tfjs-node'),
    });
  });

  it('falls back when tfjs-node loads but its backend cannot start', async () => {
    const registry = registryWith(async () => ({})); // "installed", registers no 'tensorflow' backend
    const picked = await initBackend({}, quiet, registry);
    expect(picked.name).toBe('wasm');
    expect(picked.reason).toMatch(/tensorflow failed to start/);
  });

  it('switches between explicit backends and back', async () => {
    const registry = registryWith();
    await expect(initBackend({ backend: 'cpu' }, quiet, registry)).resolves.toMatchObject({ name: 'cpu' });
    expect(getBackend()).toBe('cpu');
    await expect(initBackend({ backend: 'wasm' }, quiet, registry)).resolves.toMatchObject({ name: 'wasm' });
    expect(getBackend()).toBe('wasm');
  });
});
