/** The committed models-kernels.wasm must be what libs/models/wasm/*.c compile to. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { wasmBuildCheck } from '@ropline/testing';
import { describe, expect, it } from 'vitest';
import { MODELS_WASM_URL } from './models-wasm.js';

const check = wasmBuildCheck(
  path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../wasm'),
  MODELS_WASM_URL,
  'models-wasm-build',
);

describe.skipIf(check.skip !== null)('models-kernels.wasm', () => {
  it('rebuilds from libs/models/wasm byte for byte', () => {
    const { status, stderr, rebuilt, committed } = check.rebuild();
    expect(status, stderr).toBe(0);
    expect(rebuilt.length).toBe(committed.length);
    expect(rebuilt.equals(committed), 'run `bash libs/models/wasm/build.sh` and commit the result').toBe(true);
  });
});
