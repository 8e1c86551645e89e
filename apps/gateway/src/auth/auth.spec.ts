import 'reflect-metadata';
import { Controller, type ExecutionContext, type HttpException } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { isRopError } from '@ropline/core';
import { createGateway } from '../create-gateway.js';
import { makeTempDir } from '../testing/temp-dir.util.js';
import {
  assertSecureBinding,
  isLoopbackHost,
  parseTokensEnv,
  resolveTokens,
  sha256Of,
} from './auth.config.js';
import { AuthGuard, principalOf, Public, RequireRoles } from './auth.guard.js';

const TOKEN = 'a-long-enough-token-1234';

@Controller('api/results')
class ResultsLike {
  @RequireRoles('clinician')
  confirm() {}
  list() {}
}
@Public()
@Controller('dicomweb/open')
class OpenLike {
  get() {}
}

function contextFor(cls: object, handler: () => void, url: string, authorization?: string) {
  const req = { url, method: 'GET', headers: authorization ? { authorization } : {} };
  const headers: Record<string, string> = {};
  const reply = { header: (k: string, v: string) => void (headers[k] = v) };
  const context = {
    getHandler: () => handler,
    getClass: () => cls,
    switchToHttp: () => ({ getRequest: () => req, getResponse: () => reply }),
  } as unknown as ExecutionContext;
  return { context, req, headers };
}

const statusOf = (f: () => unknown): number => {
  try {
    f();
    return 200;
  } catch (e) {
    return (e as HttpException).getStatus();
  }
};

describe('auth config', () => {
  it('parses ROPLINE_TOKENS (name:role+role:token, token may hold colons) and hashes tokens', () => {
    expect(parseTokensEnv(`pacs:sender:${TOKEN}, ops:admin+clinician:${TOKEN}:x`)).toEqual([
      { name: 'pacs', roles: ['sender'], token: TOKEN },
      { name: 'ops', roles: ['admin', 'clinician'], token: `${TOKEN}:x` },
    ]);
    expect(parseTokensEnv(undefined)).toEqual([]);
    const entries = resolveTokens(
      { tokens: [{ name: 'h', sha256: sha256Of(TOKEN).toString('hex'), roles: ['clinician'] }] },
      { ROPLINE_TOKENS: `pacs:sender:${TOKEN}` },
    );
    expect(entries.map((e) => [e.name, e.roles, e.sha256.equals(sha256Of(TOKEN))])).toEqual([
      ['h', ['clinician'], true],
      ['pacs', ['sender'], true],
    ]);
  });

  it('rejects malformed ROPLINE_TOKENS without echoing the token', () => {
    for (const bad of [
      'pacs',
      'pacs:sender',
      'pacs:nurse:' + TOKEN,
      'pacs:sender:short',
      ':sender:' + TOKEN,
    ]) {
      let err: unknown;
      try {
        parseTokensEnv(bad);
      } catch (e) {
        err = e;
      }
      expect(isRopError(err, 'CONFIG.INVALID'), bad).toBe(true);
      expect(String((err as Error).message)).not.toContain(TOKEN);
    }
  });

  it('knows loopback hosts', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1']) {
      expect(isLoopbackHost(h), h).toBe(true);
    }
    for (const h of ['0.0.0.0', '::', '10.0.0.5', 'gateway.example.org', '128.0.0.1']) {
      expect(isLoopbackHost(h), h).toBe(false);
    }
    expect(() => assertSecureBinding('10.0.0.5', [])).toThrow(/auth\.tokens.*ROPLINE_TOKENS/);
    expect(() =>
      assertSecureBinding('10.0.0.5', resolveTokens({ tokens: [] }, { ROPLINE_TOKENS: `a:sender:${TOKEN}` })),
    ).not.toThrow();
  });

  it('createGateway refuses 0.0.0.0 without tokens (CONFIG.INSECURE) before opening anything', async () => {
    const tmp = await makeTempDir('insecure');
    const saved = process.env.ROPLINE_TOKENS;
    delete process.env.ROPLINE_TOKENS;
    try {
      const err = await createGateway(
        { host: '0.0.0.0', port: 0, dataDir: tmp.dir },
        { log: () => undefined },
      ).then(
        () => null,
        (e: unknown) => e,
      );
      expect(isRopError(err, 'CONFIG.INSECURE')).toBe(true);
      expect((err as Error).message).toMatch(/auth\.tokens|ROPLINE_TOKENS|127\.0\.0\.1/);
      const { readdir } = await import('node:fs/promises');
      expect(await readdir(tmp.dir)).toEqual([]);
    } finally {
      if (saved !== undefined) process.env.ROPLINE_TOKENS = saved;
      await tmp.remove();
    }
  });
});

describe('AuthGuard', () => {
  const guard = new AuthGuard(
    resolveTokens(
      {
        tokens: [
          { name: 'pacs', token: TOKEN, roles: ['sender'] },
          { name: 'dr', token: `${TOKEN}-dr`, roles: ['clinician'] },
        ],
      },
      {},
    ),
  );
  const proto = ResultsLike.prototype;

  it('applies @RequireRoles, the /api default (any token) and @Public', () => {
    const run = (cls: object, h: () => void, url: string, token?: string) =>
      statusOf(() => guard.canActivate(contextFor(cls, h, url, token && `Bearer ${token}`).context));
    expect(run(ResultsLike, proto.confirm, '/api/results/1/confirm', `${TOKEN}-dr`)).toBe(200);
    expect(run(ResultsLike, proto.confirm, '/api/results/1/confirm', TOKEN)).toBe(403);
    expect(run(ResultsLike, proto.confirm, '/api/results/1/confirm')).toBe(401);
    expect(run(ResultsLike, proto.list, '/api/results', TOKEN)).toBe(200);
    expect(run(ResultsLike, proto.list, '/api/results')).toBe(401);
    expect(run(OpenLike, OpenLike.prototype.get, '/dicomweb/open')).toBe(200);
  });

  it('sets WWW-Authenticate on 401 and the principal (name only) on success', () => {
    const c = contextFor(ResultsLike, proto.list, '/api/results?x=1', 'Bearer nope-nope-nope-nope');
    expect(statusOf(() => guard.canActivate(c.context))).toBe(401);
    expect(c.headers['www-authenticate']).toMatch(/^Bearer realm="ropline", error="invalid_token"/);
    const ok = contextFor(ResultsLike, proto.list, '/api/results', `bearer ${TOKEN}`);
    expect(guard.canActivate(ok.context)).toBe(true);
    expect(principalOf(ok.req as never)).toEqual({ name: 'pacs', roles: ['sender'] });
  });

  it('without tokens (loopback) lets everything through as anonymous-loopback', () => {
    const open = new AuthGuard([]);
    const c = contextFor(ResultsLike, proto.confirm, '/api/results/1/confirm');
    expect(open.canActivate(c.context)).toBe(true);
    expect(principalOf(c.req as never)?.name).toBe('anonymous-loopback');
  });
});
