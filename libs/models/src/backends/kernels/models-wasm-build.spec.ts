/**
 * The committed models-kernels.wasm must be what libs/models/wasm/*.c compile to: rebuilds it into
 * a temp dir with wasm/build.sh and compares byte for byte. Needs clang and wasm-ld (CI does not
 * install them; the test then skips with a warning), and the same clang that built the committed
 * binary (recorded in wasm/toolchain.txt): another version emits different code.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MODELS_WASM_URL } from './models-wasm.js';

const WASM_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../wasm');

function firstLine(cmd: string, args: string[]): string | null {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.split('\n')[0].trim() : null;
}

const clang = firstLine('clang', ['--version']);
const wasmLd = firstLine('wasm-ld', ['--version']);
const recorded = readFileSync(path.join(WASM_DIR, 'toolchain.txt'), 'utf8').trim();
let skip: string | null = null;
if (!clang || !wasmLd) skip = 'clang and wasm-ld are not installed';
else if (clang !== recorded) skip = `installed "${clang}" differs from the recorded "${recorded}"`;
if (skip) {
  console.warn(
    `[models-wasm-build] SKIPPED: ${skip}; cannot check that src/backends/kernels/models-kernels.wasm ` +
      'matches the C sources in libs/models/wasm (install Debian clang + lld to run this check).',
  );
}

describe.skipIf(skip !== null)('models-kernels.wasm', () => {
  it('rebuilds from libs/models/wasm byte for byte', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ropline-models-wasm-'));
    try {
      const out = path.join(dir, 'models-kernels.wasm');
      const r = spawnSync('bash', [path.join(WASM_DIR, 'build.sh'), out], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const rebuilt = readFileSync(out);
      const committed = readFileSync(MODELS_WASM_URL);
      expect(rebuilt.length).toBe(committed.length);
      expect(rebuilt.equals(committed), 'run `bash libs/models/wasm/build.sh` and commit the result').toBe(
        true,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
