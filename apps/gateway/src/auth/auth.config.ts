import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { z } from 'zod';
import { RopError } from '@ropline/core';

export const ROLES = ['sender', 'clinician', 'data-scientist', 'admin'] as const;
export type Role = (typeof ROLES)[number];

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** One bearer token: the token itself, or (better, in files) the sha256 hex of it. */
export const authTokenSchema = z
  .object({
    name: z.string().min(1).max(64),
    token: z.string().min(16, 'tokens must be at least 16 characters').optional(),
    sha256: z.string().regex(SHA256_HEX, 'expected the lower-case sha256 hex of the token').optional(),
    roles: z.array(z.enum(ROLES)).min(1),
  })
  .strict()
  .refine((t) => (t.token === undefined) !== (t.sha256 === undefined), {
    message: 'give exactly one of token or sha256',
  });

export const authConfigSchema = z
  .object({
    /** Bearer tokens with roles (README#operations). Also from env ROPLINE_TOKENS. */
    tokens: z.array(authTokenSchema).default([]),
  })
  .strict();

export type AuthConfig = z.output<typeof authConfigSchema>;
export type AuthTokenInput = z.input<typeof authTokenSchema>;

/** A configured token, reduced to what the guard needs: never the token itself. */
export interface TokenEntry {
  name: string;
  sha256: Buffer;
  roles: Role[];
}

export const sha256Of = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();

/**
 * Parses `ROPLINE_TOKENS`: `name:role+role:token,name2:role:token2`. The token is everything after
 * the second colon. Fails with CONFIG.INVALID naming the entry by position (never its token).
 */
export function parseTokensEnv(value: string | undefined): AuthTokenInput[] {
  if (!value?.trim()) return [];
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry, k) => {
      const first = entry.indexOf(':');
      const second = first < 0 ? -1 : entry.indexOf(':', first + 1);
      const roles = second < 0 ? [] : entry.slice(first + 1, second).split('+');
      const parsed = authTokenSchema.safeParse({
        name: entry.slice(0, first),
        roles,
        token: second < 0 ? undefined : entry.slice(second + 1),
      });
      if (first < 1 || second < 0 || !parsed.success) {
        throw new RopError(
          'CONFIG.INVALID',
          `ROPLINE_TOKENS entry ${k + 1} is not name:role+role:token (roles: ${ROLES.join(', ')}; ` +
            `tokens at least 16 characters)`,
        );
      }
      return parsed.data;
    });
}

/** Config tokens plus ROPLINE_TOKENS, as hashed entries. */
export function resolveTokens(config: AuthConfig, env: NodeJS.ProcessEnv = process.env): TokenEntry[] {
  const all = [...config.tokens, ...parseTokensEnv(env.ROPLINE_TOKENS)];
  return all.map((t) => ({
    name: t.name,
    sha256: t.token !== undefined ? sha256Of(t.token) : Buffer.from(t.sha256 ?? '', 'hex'),
    roles: [...t.roles],
  }));
}

/** 127.0.0.0/8, ::1, localhost (and IPv4-mapped loopback). */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  if (isIP(v4) === 4) return v4.startsWith('127.');
  return h === '::1' || h === '0:0:0:0:0:0:0:1';
}

/** Refuses an unauthenticated gateway on anything but loopback (before anything is opened). */
export function assertSecureBinding(host: string, tokens: TokenEntry[]): void {
  if (tokens.length > 0 || isLoopbackHost(host)) return;
  throw new RopError(
    'CONFIG.INSECURE',
    `Refusing to listen on ${host} without authentication: configure bearer tokens under ` +
      `auth.tokens ([{ name, sha256 | token, roles }]) or in env ROPLINE_TOKENS ` +
      `(name:role+role:token,...), or listen on 127.0.0.1 (see apps/gateway/README.md#operations)`,
    { host },
  );
}
