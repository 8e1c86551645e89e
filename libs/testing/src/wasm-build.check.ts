import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Checks that a committed kernel binary (libs/<lib>/src/.../*.wasm) is what its C sources compile
 * to: rebuilds it into a temp dir with `<wasmDir>/build.sh` and compares bytes. Needs clang and
 * wasm-ld (CI does not install them) and the same clang that built the committed binary (recorded in
 * `<wasmDir>/toolchain.txt`: another version emits different code); otherwise `skip` says why.
 */
export interface WasmBuildCheck {
  skip: string | null;
  rebuild(): { status: number | null; stderr: string; rebuilt: Buffer; committed: Buffer };
}

function firstLine(cmd: string, args: string[]): string | null {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.split('\n')[0].trim() : null;
}

export function wasmBuildCheck(wasmDir: string, committed: URL, label: string): WasmBuildCheck {
  const clang = firstLine('clang', ['--version']);
  const wasmLd = firstLine('wasm-ld', ['--version']);
  const recorded = readFileSync(path.join(wasmDir, 'toolchain.txt'), 'utf8').trim();
  let skip: string | null = null;
  if (!clang || !wasmLd) skip = 'clang and wasm-ld are not installed';
  else if (clang !== recorded) skip = `installed "${clang}" differs from the recorded "${recorded}"`;
  if (skip) {
    console.warn(
      `[${label}] SKIPPED: ${skip}; cannot check that the committed .wasm matches the C sources in ` +
        `${wasmDir} (install Debian clang + lld to run this check).`,
    );
  }
  return {
    skip,
    rebuild() {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'ropline-wasm-'));
      try {
        const out = path.join(dir, 'kernels.wasm');
        const r = spawnSync('bash', [path.join(wasmDir, 'build.sh'), out], { encoding: 'utf8' });
        const rebuilt = r.status === 0 ? readFileSync(out) : Buffer.alloc(0);
        return { status: r.status, stderr: r.stderr, rebuilt, committed: readFileSync(committed) };
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
