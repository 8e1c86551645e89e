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
    const io = fileSystemError(e);
    if (io) {
      process.stderr.write(`rop: ${io}\n`);
      process.exitCode = EXIT.badInput;
      return;
    }
    const msg = e instanceof Error ? e.message : String(e);
    process.stderr.write(`rop: internal error: ${msg.split('\n')[0]}\n`);
    if (process.env.ROP_DEBUG) process.stderr.write(`${e instanceof Error ? e.stack : ''}\n`);
    process.exitCode = EXIT.failure;
  }
}

const FS_CODES: Record<string, string> = {
  ENOENT: 'IO.NOT_FOUND: no such file or directory',
  EACCES: 'IO.PERMISSION_DENIED: permission denied',
  EISDIR: 'IO.IS_A_DIRECTORY: expected a file, got a directory',
  ENOTDIR: 'IO.NOT_A_DIRECTORY: a path component is not a directory',
  ENOSPC: 'IO.NO_SPACE: no space left on device',
};

/** A missing or unreadable path is the user's input, not a bug: one line naming the path. */
function fileSystemError(e: unknown): string | null {
  const err = e as NodeJS.ErrnoException;
  const text = err && typeof err.code === 'string' ? FS_CODES[err.code] : undefined;
  return text ? `${text}: ${err.path ?? ''}` : null;
}
