import { timingSafeEqual } from 'node:crypto';
import { HttpException, SetMetadata, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ROLES, sha256Of, type Role, type TokenEntry } from './auth.config.js';

const ROLES_KEY = 'ropline:roles';
const PUBLIC_KEY = 'ropline:public';

/** Route (handler or controller) requires a token with one of these roles (`admin` always passes). */
export const RequireRoles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);
/** Route needs no token (health, metrics, OpenAPI). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

/** Who made the request; set on the Fastify request by the guard. */
export interface Principal {
  name: string;
  roles: readonly Role[];
}

export const principalOf = (req: FastifyRequest): Principal | undefined =>
  (req as FastifyRequest & { ropPrincipal?: Principal }).ropPrincipal;

const ANONYMOUS: Principal = { name: 'anonymous-loopback', roles: ROLES };

/** Route defaults when a controller declares nothing: DICOMweb is for senders, /api/* needs any token. */
function defaultRoles(path: string): Role[] | 'any' | null {
  if (path === '/dicomweb' || path.startsWith('/dicomweb/')) return ['sender'];
  if (path === '/api' || path.startsWith('/api/')) return 'any';
  return null;
}

/**
 * Bearer-token authentication and role authorization for every Nest route. The presented token is
 * hashed and compared with each configured hash in constant time (all of them, no early exit); tokens
 * are never stored in clear nor logged. With no tokens configured (allowed on loopback only, see
 * assertSecureBinding) every request passes as `anonymous-loopback`.
 */
export class AuthGuard implements CanActivate {
  constructor(private readonly tokens: TokenEntry[]) {}

  private meta<T>(key: string, context: ExecutionContext): T | undefined {
    return (
      (Reflect.getMetadata(key, context.getHandler()) as T | undefined) ??
      (Reflect.getMetadata(key, context.getClass()) as T | undefined)
    );
  }

  authenticate(header: string | undefined): TokenEntry | null {
    const m = /^Bearer[ \t]+([^\s]+)[ \t]*$/i.exec(header ?? '');
    if (!m) return null;
    const presented = sha256Of(m[1]);
    let found: TokenEntry | null = null;
    for (const t of this.tokens) if (timingSafeEqual(presented, t.sha256) && !found) found = t;
    return found;
  }

  canActivate(context: ExecutionContext): boolean {
    if (this.meta<boolean>(PUBLIC_KEY, context)) return true;
    const http = context.switchToHttp();
    const req = http.getRequest<FastifyRequest>();
    const required = this.meta<Role[]>(ROLES_KEY, context) ?? defaultRoles(req.url.split('?')[0]);
    if (required === null) return true;
    const target = req as FastifyRequest & { ropPrincipal?: Principal };
    if (this.tokens.length === 0) {
      target.ropPrincipal = ANONYMOUS;
      return true;
    }
    const entry = this.authenticate(req.headers.authorization);
    if (!entry) {
      const reply = http.getResponse<FastifyReply>();
      const missing = !req.headers.authorization;
      reply.header(
        'www-authenticate',
        missing ? 'Bearer realm="ropline"' : 'Bearer realm="ropline", error="invalid_token"',
      );
      // The body of a refused STOW request is not read: close rather than drain it.
      if (req.method === 'POST') reply.header('connection', 'close');
      throw new HttpException(
        {
          code: missing ? 'AUTH.MISSING_TOKEN' : 'AUTH.INVALID_TOKEN',
          message: missing
            ? 'This route needs Authorization: Bearer <token>'
            : 'The bearer token is not known to this gateway',
        },
        401,
      );
    }
    target.ropPrincipal = { name: entry.name, roles: entry.roles };
    const allowed =
      required === 'any' || entry.roles.includes('admin') || required.some((r) => entry.roles.includes(r));
    if (!allowed) {
      if (req.method === 'POST') http.getResponse<FastifyReply>().header('connection', 'close');
      throw new HttpException(
        {
          code: 'AUTH.FORBIDDEN',
          message: `This route needs one of the roles: ${(required as Role[]).join(', ')}`,
        },
        403,
      );
    }
    return true;
  }
}
