import { afterEach, describe, expect, it, vi } from 'vitest';
import { errorCode } from '../test-helpers.util.js';
import { toGray } from '../to-gray.op.js';
import {
  PREPROCESS_KERNELS_ENV,
  activeWasmKernels,
  preprocessKernels,
  setPreprocessKernels,
  type PreprocessKernels,
} from './kernel-mode.util.js';

const saved = process.env[PREPROCESS_KERNELS_ENV];

afterEach(() => {
  if (saved === undefined) delete process.env[PREPROCESS_KERNELS_ENV];
  else process.env[PREPROCESS_KERNELS_ENV] = saved;
  setPreprocessKernels(undefined);
  vi.restoreAllMocks();
});

function withEnv(value: string | undefined): PreprocessKernels {
  if (value === undefined) delete process.env[PREPROCESS_KERNELS_ENV];
  else process.env[PREPROCESS_KERNELS_ENV] = value;
  setPreprocessKernels(undefined); // re-read the environment
  return preprocessKernels();
}

describe('kernel selection', () => {
  it('defaults to wasm, and ROPLINE_PREPROCESS_KERNELS selects js or wasm', () => {
    expect(withEnv(undefined)).toBe('wasm');
    expect(withEnv('')).toBe('wasm');
    expect(withEnv('js')).toBe('js');
    expect(activeWasmKernels()).toBeNull();
    expect(withEnv('wasm')).toBe('wasm');
    expect(activeWasmKernels()).not.toBeNull();
  });

  it('warns about an unknown value and keeps the default', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    expect(withEnv('gpu')).toBe('wasm');
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('ROPLINE_PREPROCESS_KERNELS=gpu'));
  });

  it('setPreprocessKernels overrides the environment until reset', () => {
    process.env[PREPROCESS_KERNELS_ENV] = 'js';
    setPreprocessKernels('wasm');
    expect(preprocessKernels()).toBe('wasm');
    setPreprocessKernels(undefined);
    expect(preprocessKernels()).toBe('js');
  });

  it('rejects an unknown implementation', () => {
    expect(errorCode(() => setPreprocessKernels('gpu' as PreprocessKernels))).toBe(
      'PREPROCESS.INVALID_INPUT',
    );
  });

  it('the wasm module is loaded once and reused', () => {
    setPreprocessKernels('wasm');
    const k = activeWasmKernels();
    toGray({ data: new Uint8Array(3 * 64), width: 8, height: 8, channels: 3 });
    expect(activeWasmKernels()).toBe(k);
  });
});
