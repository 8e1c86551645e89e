/**
 * The committed models-kernels.wasm and models-kernels-relaxed.wasm must be what libs/models/wasm/*.c
 * compile to. Each check runs only where its recorded compiler is installed (CI has no clang).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { wasmBuildCheck } from '@ropline/testing';
import { describe, expect, it } from 'vitest';
import { MODELS_WASM_RELAXED_URL, MODELS_WASM_URL } from './models-wasm.js';

const wasmDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../wasm');
const check = wasmBuildCheck(wasmDir, MODELS_WASM_URL, 'models-wasm-build');

describe.skipIf(check.skip !== null)('models-kernels.wasm', () => {
  it('rebuilds from libs/models/wasm byte for byte', () => {
    const { status, stderr, rebuilt, committed } = check.rebuild();
    expect(status, stderr).toBe(0);
    expect(rebuilt.length).toBe(committed.length);
    expect(rebuilt.equals(committed), 'run `bash libs/models/wasm/build.sh` and commit the result').toBe(true);
  });
});

// The relaxed-SIMD build uses clang-16 (recorded in toolchain-relaxed.txt; its own wasm-ld).
const relaxedClang = spawnSync('clang-16', ['--version'], { encoding: 'utf8' });
const installed = relaxedClang.status === 0 ? relaxedClang.stdout.split('\n')[0].trim() : null;
const recorded = readFileSync(path.join(wasmDir, 'toolchain-relaxed.txt'), 'utf8').trim();
const relaxedSkip = !installed
  ? 'clang-16 is not installed'
  : installed !== recorded
    ? `installed "${installed}" differs from the recorded "${recorded}"`
    : null;
if (relaxedSkip) console.warn(`[models-wasm-build relaxed] SKIPPED: ${relaxedSkip} (apt-get install clang-16 lld-16).`);

describe.skipIf(relaxedSkip !== null)('models-kernels-relaxed.wasm', () => {
  it('rebuilds from libs/models/wasm byte for byte', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ropline-wasm-'));
    try {
      const out = path.join(dir, 'kernels.wasm');
      const r = spawnSync('bash', [path.join(wasmDir, 'build.sh'), '--relaxed', out], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const rebuilt = readFileSync(out);
      expect(rebuilt.equals(readFileSync(MODELS_WASM_RELAXED_URL)), 'run `bash libs/models/wasm/build.sh` and commit both').toBe(
        true,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
