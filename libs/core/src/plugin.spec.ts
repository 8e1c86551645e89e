import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { PluginRegistry, type PluginManifest } from './plugin.js';
import { RopError, asRopError, isRopError } from './errors.js';

const ctx = { log: () => undefined };
const adder: PluginManifest<{ step: number }, (x: number) => number> = {
  kind: 'backend',
  id: 'adder',
  configSchema: z.object({ step: z.number().int().default(1) }),
  create: (c) => (x) => x + c.step,
};

describe('PluginRegistry', () => {
  it('creates a plugin with schema defaults and with explicit config', async () => {
    const reg = new PluginRegistry([adder]);
    const f1 = await reg.create<(x: number) => number>('backend', 'adder', undefined, ctx);
    const f5 = await reg.create<(x: number) => number>('backend', 'adder', { step: 5 }, ctx);
    expect([f1(1), f5(1)]).toEqual([2, 6]);
    expect(reg.ids('backend')).toEqual(['adder']);
    expect(reg.ids('segmenter')).toEqual([]);
  });

  it('throws stable codes on duplicate id, missing id and invalid config', async () => {
    expect(() => new PluginRegistry([adder, adder])).toThrowError(
      expect.objectContaining({ code: 'PLUGIN.DUPLICATE_ID' }),
    );
    const reg = new PluginRegistry([adder]);
    expect(() => reg.get('backend', 'nope')).toThrowError(/available: adder/);
    await expect(reg.create('backend', 'adder', { step: 'x' }, ctx)).rejects.toMatchObject({
      code: 'CONFIG.INVALID',
      message: expect.stringContaining('step'),
    });
  });
});

describe('RopError helpers', () => {
  it('wraps foreign errors and keeps RopErrors', () => {
    const own = new RopError('A.B', 'x');
    expect(asRopError(own, 'C.D')).toBe(own);
    const wrapped = asRopError(new TypeError('boom'), 'C.D', 'while testing');
    expect(wrapped.code).toBe('C.D');
    expect(wrapped.message).toBe('while testing: boom');
    expect(isRopError(wrapped, 'C.')).toBe(true);
    expect(isRopError(wrapped, 'X.')).toBe(false);
    expect(JSON.parse(JSON.stringify(own))).toEqual({ code: 'A.B', message: 'x', meta: {} });
  });
});
