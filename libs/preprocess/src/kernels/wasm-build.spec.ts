/** The committed preprocess-kernels.wasm must be what libs/preprocess/wasm/*.c compile to. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { wasmBuildCheck } from '@ropline/testing';
import { describe, expect, it } from 'vitest';
import { WASM_KERNELS_URL } from './wasm-kernels.util.js';

const check = wasmBuildCheck(
  path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../wasm'),
  WASM_KERNELS_URL,
  'wasm-build',
);

describe.skipIf(check.skip !== null)('preprocess-kernels.wasm', () => {
  it('rebuilds from libs/preprocess/wasm byte for byte', () => {
    const { status, stderr, rebuilt, committed } = check.rebuild();
    expect(status, stderr).toBe(0);
    expect(rebuilt.length).toBe(committed.length);
    expect(
      rebuilt.equals(committed),
      'run `npm run build:wasm` in libs/preprocess and commit the result',
    ).toBe(true);
  });
});
