import type { PluginContext } from '@ropline/core';

/**
 * The CLI's plugin context: logs go to stderr (stdout carries results), info and up by default,
 * debug with ROP_DEBUG=1. Metadata is printed as JSON; plugins never put PHI in it.
 */
export function cliContext(): PluginContext {
  const debug = Boolean(process.env.ROP_DEBUG);
  return {
    log(level, msg, meta) {
      if (level === 'debug' && !debug) return;
      const extra = meta && Object.keys(meta).length ? ` ${JSON.stringify(meta)}` : '';
      process.stderr.write(`[${level}] ${msg}${extra}\n`);
    },
  };
}
