import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findPython } from '@ropline/testing';

/**
 * Helpers for tests that use external oracles (dcmtk, dicom3tools, pydicom). Each reports whether
 * the tool exists so the test can skip with a visible warning instead of failing on a bare machine.
 */
export function hasTool(name: string): boolean {
  return spawnSync('which', [name], { stdio: 'ignore' }).status === 0;
}

/** Runs a tool with a timeout; throws with its stderr on failure. */
export function runTool(name: string, args: string[], timeoutMs = 30_000): string {
  return execFileSync(name, args, {
    timeout: timeoutMs,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** A fresh temp directory removed after `fn` (also when it throws). */
export async function withTempDir<T>(fn: (dir: string) => Promise<T> | T): Promise<T> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ropline-dicom-'));
  try {
    return await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The interpreter with pydicom and numpy (Debian's python3-pydicom), or null. */
export function pydicomPython(): string | null {
  return findPython(['pydicom', 'numpy']);
}

export function hasPydicom(): boolean {
  return pydicomPython() !== null;
}

export interface OracleImage {
  rows: number;
  columns: number;
  channels: number;
  data: Uint8Array;
}

// pydicom < 3 returns YBR for JPEG baseline and YBR_FULL_422 native data; convert with its own
// convert_color_space (the PS3.3 equations). pydicom 3 converts to RGB itself.
const PYDICOM_SCRIPT = `
import sys, pydicom, numpy as np
ds = pydicom.dcmread(sys.argv[1])
a = ds.pixel_array
pi = str(ds.PhotometricInterpretation)
if int(pydicom.__version__.split('.')[0]) < 3 and pi in ('YBR_FULL', 'YBR_FULL_422'):
    from pydicom.pixel_data_handlers.util import convert_color_space
    a = convert_color_space(a, pi, 'RGB')
a = np.ascontiguousarray(a)
ch = a.shape[-1] if a.ndim == 3 else 1
open(sys.argv[2], 'wb').write(a.astype(np.uint8).tobytes())
print(f"{a.shape[0]} {a.shape[1]} {ch} {a.dtype}")
`;

/** pydicom's decoding of a file as 8-bit (only meaningful for 8-bit data), or null without pydicom. */
export function pydicomPixels(file: string, dir: string): OracleImage | null {
  const python = pydicomPython();
  if (!python) return null;
  const out = path.join(dir, 'pydicom.raw');
  const line = runTool(python, ['-c', PYDICOM_SCRIPT, file, out], 60_000).trim();
  const [rows, columns, channels] = line.split(' ').map(Number);
  return { rows, columns, channels, data: new Uint8Array(readFileSync(out)) };
}
