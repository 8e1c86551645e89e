import { isRopError } from '@ropline/core';

/** Exit codes of every `rop` command (documented in the README). */
export const EXIT = { ok: 0, failure: 1, badInput: 2 } as const;

/**
 * The CLI edge: translates errors into one clear line on stderr and an exit code. A RopError is an
 * expected failure (bad input, unsupported data) -> exit 2 with its stable code; anything else is a
 * bug -> exit 1 (set ROP_DEBUG=1 for the stack).
 */
export async function runCommand(action: () => Promise<void> | void): Promise<void> {
  try {
    await action();
  } catch (e) {
    if (isRopError(e)) {
      process.stderr.write(`rop: ${e.code}: ${e.message}\n`);
      process.exitCode = EXIT.badInput;
      return;
    }
    const msg = e instanceof Error ? e.message : String(e);
    process.stderr.write(`rop: internal error: ${msg.split('\n')[0]}\n`);
    if (process.env.ROP_DEBUG) process.stderr.write(`${e instanceof Error ? e.stack : ''}\n`);
    process.exitCode = EXIT.failure;
  }
}
