/**
 * A gateway in its own process, for fault tests that SIGKILL it: reads the config (JSON) from
 * ROPLINE_GATEWAY_CONFIG, calls createGateway and prints one JSON line on stdout:
 * `{"url":"http://...","dimsePort":N|null,"pid":N}`. SIGTERM closes it cleanly. Warnings and errors
 * go to stderr as JSON lines (no PHI: the gateway's logs carry none). Run it with
 * `node --import tsx src/testing/gateway.child.ts` (see spawnGateway).
 */
import { createGateway } from '../create-gateway.js';

const ctx = {
  log: (level: string, msg: string, meta?: Record<string, unknown>) => {
    if (level === 'warn' || level === 'error')
      process.stderr.write(`${JSON.stringify({ level, msg, ...meta })}\n`);
  },
};

const gw = await createGateway(JSON.parse(process.env.ROPLINE_GATEWAY_CONFIG ?? '{}'), ctx);
process.stdout.write(
  `${JSON.stringify({ url: gw.url, dimsePort: gw.dimse?.port ?? null, pid: process.pid })}\n`,
);
process.once('SIGTERM', () => {
  void gw.close().finally(() => process.exit(0));
});
