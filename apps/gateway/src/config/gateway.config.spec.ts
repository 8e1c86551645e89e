import { describe, expect, it } from 'vitest';
import { parseGatewayConfig } from './gateway.config.js';

describe('parseGatewayConfig', () => {
  it('fills defaults', () => {
    const c = parseGatewayConfig({});
    expect(c).toMatchObject({ host: '127.0.0.1', port: 8080, dataDir: 'var', duplicatePolicy: 'reject' });
    expect(c.databaseUrl).toBeUndefined();
    expect(c.limits).toEqual({
      maxInstanceBytes: 512 * 2 ** 20,
      maxRequestBytes: 4096 * 2 ** 20,
      minFreeDiskBytes: 1024 * 2 ** 20,
    });
    expect(c.blobs).toEqual({ directWrites: true });
  });

  it.each([
    [{ port: 70000 }, 'port'],
    [{ duplicatePolicy: 'merge' }, 'duplicatePolicy'],
    [{ limits: { maxInstanceBytes: -1 } }, 'limits.maxInstanceBytes'],
    [{ databaseUrl: 'mysql://x' }, 'databaseUrl'],
    [{ blobs: { directWrites: 'yes' } }, 'blobs.directWrites'],
    [{ colour: 'blue' }, '(root)'],
  ])('rejects %j with CONFIG.INVALID naming %s', (input, field) => {
    expect(() => parseGatewayConfig(input)).toThrowError(
      expect.objectContaining({ code: 'CONFIG.INVALID', message: expect.stringContaining(field) }),
    );
  });
});
