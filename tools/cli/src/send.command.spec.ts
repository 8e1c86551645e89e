import { writeFileSync } from 'node:fs';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rop, startGateway, tempDir, type RunningGateway } from './gateway.test-util.js';

const dir = tempDir('rop-send-');
let gw: RunningGateway;

/** 10 small OP DICOM files (one infant, both eyes, 5 views). */
function phantoms(name: string, seed: number): string {
  const out = path.join(dir, name);
  const r = rop([
    'phantoms',
    '--out',
    out,
    '--infants',
    '1',
    '--seed',
    String(seed),
    '--dicom',
    '--size',
    '64x64',
    '--no-progress',
  ]);
  expect(r.code, r.stderr).toBe(0);
  return path.join(out, 'dicom');
}

let stowFiles: string;
let cstoreFiles: string;

beforeAll(async () => {
  stowFiles = phantoms('stow', 1);
  cstoreFiles = phantoms('cstore', 2);
  gw = await startGateway(['--role', 'api', '--port', '0', '--data-dir', path.join(dir, 'var')]);
});

afterAll(async () => {
  if (gw) {
    gw.child.kill('SIGTERM');
    await gw.exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('rop send', () => {
  it('STOW-RS: stores every file, then reports them as already there (exit 0 both times)', () => {
    let r = rop(['send', stowFiles, '--stow', gw.dicomweb, '--batch', '4']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/rop send: 10 file\(s\) to STOW-RS .*: 10 stored \(0 already there\), 0 failed/);
    r = rop(['send', stowFiles, '--stow', gw.dicomweb]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/10 stored \(10 already there\), 0 failed/);
  });

  it('C-STORE: stores every file; a re-send and a C-STORE of STOWed files succeed too', () => {
    const { host, port } = gw.dimse!;
    for (let i = 0; i < 2; i++) {
      const r = rop([
        'send',
        cstoreFiles,
        '--cstore',
        `${host}:${port}`,
        '--aet',
        'TESTSCU',
        '--called-aet',
        'ROPLINE',
      ]);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toMatch(/rop send: 10 file\(s\) to C-STORE ROPLINE@.*: 10 stored, 0 failed/);
      expect(r.stdout).not.toMatch(/Association/); // dcmjs-dimse's logger stays quiet
    }
    // The files STOWed above, now by C-STORE: the data sets go out byte for byte as in the files, so
    // the gateway sees the same instance (same bytes) and answers success, not a conflict.
    const r = rop(['send', stowFiles, '--cstore', `${host}:${port}`]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/10 stored, 0 failed/);
  });

  it('a non-DICOM file among them is reported and the exit code is 2', () => {
    const junk = path.join(dir, 'junk.dcm');
    writeFileSync(junk, 'not a DICOM file');
    const r = rop(['send', stowFiles, junk, '--stow', gw.dicomweb]);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain(`failed: ${junk}: NOT_DICOM`);
    expect(r.stdout).toMatch(/11 file\(s\) .*: 10 stored \(10 already there\), 1 failed \(NOT_DICOM x1\)/);
    expect(r.stderr.trim().split('\n')).toEqual([
      'rop: SEND.INCOMPLETE: 1 of 11 file(s) not stored: NOT_DICOM x1',
    ]);
  });

  it('a wrong called AE title fails every file with the rejection; nothing listening -> one line, exit 2', () => {
    const { host, port } = gw.dimse!;
    let r = rop([
      'send',
      cstoreFiles,
      '--cstore',
      `${host}:${port}`,
      '--called-aet',
      'NOTUS',
      '--batch',
      '20',
    ]);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/10 failed \(ASSOCIATION_REJECTED x10\)/);
    r = rop(['send', stowFiles, '--stow', 'http://127.0.0.1:9/dicomweb']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^rop: SEND.CONNECTION_FAILED: cannot reach http:\/\/127\.0\.0\.1:9: ECONNREFUSED/,
    );
    r = rop(['send', stowFiles]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/exactly one of --stow URL or --cstore HOST:PORT/);
  });
});
