import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../bin/rop.mjs');
const hasOrthanc =
  existsSync('/usr/sbin/Orthanc') && existsSync('/usr/share/orthanc/plugins/libOrthancDicomWeb.so');
if (!hasOrthanc) {
  console.warn('SKIPPED bench-ingest.command.spec: Orthanc with its DICOMweb plugin is not installed');
}

interface Side {
  instancesPerSec: number;
  mbPerSec: number;
  failures: number;
  rssPeakMb: number;
}

describe.skipIf(!hasOrthanc)('rop bench ingest (smoke)', () => {
  it('stores 4 instances in ROPline and Orthanc over STOW-RS, twice each, and reports medians and pairs', async () => {
    const args = [
      BIN,
      'bench',
      'ingest',
      '--instances',
      '4',
      '--warmup',
      '2',
      '--repeat',
      '2',
      '--concurrency',
      '1',
      '--channels',
      'stow',
      '--json',
    ];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    try {
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      expect(code, stderr).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    const out = JSON.parse(stdout) as {
      rows: {
        channel: string;
        ropline: Side;
        orthanc: Side;
        throughputRatio: number;
        repeats: { roplineInstancesPerSec: number; orthancInstancesPerSec: number; ratio: number }[];
      }[];
    };
    expect(out.rows).toHaveLength(1);
    const [row] = out.rows;
    expect(row.channel).toBe('stow');
    for (const side of [row.ropline, row.orthanc]) {
      expect(side.failures).toBe(0);
      expect(side.instancesPerSec).toBeGreaterThan(0);
      expect(side.mbPerSec).toBeGreaterThan(0);
      expect(side.rssPeakMb).toBeGreaterThan(0);
    }
    // Two pairs: the reported rate is the median (mean of two) of the runs, the ratio the pairs' median.
    expect(row.repeats).toHaveLength(2);
    const [a, b] = row.repeats;
    for (const pair of row.repeats) {
      expect(pair.ratio).toBeCloseTo(pair.roplineInstancesPerSec / pair.orthancInstancesPerSec, 9);
    }
    expect(row.ropline.instancesPerSec).toBeCloseTo(
      (a.roplineInstancesPerSec + b.roplineInstancesPerSec) / 2,
      9,
    );
    expect(row.orthanc.instancesPerSec).toBeCloseTo(
      (a.orthancInstancesPerSec + b.orthancInstancesPerSec) / 2,
      9,
    );
    expect(row.throughputRatio).toBeCloseTo((a.ratio + b.ratio) / 2, 9);
  });
});
