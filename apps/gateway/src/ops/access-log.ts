import type { FastifyInstance } from 'fastify';
import type { PluginContext } from '@ropline/core';
import { principalOf } from '../auth/auth.guard.js';

/**
 * One log line per HTTP request: method, route pattern (never the URL: QIDO query strings may hold
 * patient attributes), status, duration, and the token's name (never the token).
 */
export function registerAccessLog(fastify: FastifyInstance, ctx: PluginContext): void {
  fastify.addHook('onResponse', (req, reply, done) => {
    ctx.log(reply.statusCode >= 500 ? 'warn' : 'info', 'http request', {
      method: req.method,
      route: req.routeOptions.url ?? '(unmatched)',
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime),
      principal: principalOf(req)?.name ?? null,
    });
    done();
  });
}
