import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importPhantoms, splitDataset } from '@ropline/datasets';
import { generatePhantoms } from '@ropline/phantom';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../bin/rop.mjs');
const dir = mkdtempSync(path.join(tmpdir(), 'rop-train-cli-'));
const data = path.join(dir, 'ds');
// Embedded Postgres runs as the 'postgres' user: its data dir's parents must be traversable.
chmodSync(dir, 0o755);
const state = path.join(dir, 'state');

function rop(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 300_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Starts a command, sends SIGINT once its stderr shows `marker`, resolves with how it ended. */
function interruptAt(marker: RegExp, ...args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let sent = false;
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
      if (!sent && marker.test(stderr)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

beforeAll(async () => {
  await generatePhantoms({ out: path.join(dir, 'cohort'), infants: 4, seed: 2, size: [128, 96] });
  await importPhantoms({ from: path.join(dir, 'cohort'), out: data });
  await splitDataset({ data, seed: 1, ratios: [2, 1, 1] });
}, 300_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const small = ['--input-size', '32', '--backend', 'wasm', '--no-register', '--no-progress'];

describe('rop train', () => {
  it('Ctrl-C stops cleanly after an epoch, keeps the best model, and --resume finishes the run', async () => {
    const run = path.join(dir, 'run-seg');
    const first = await interruptAt(
      /epoch 1\/6/,
      'train',
      'seg',
      '--data',
      data,
      '--out',
      run,
      '--epochs',
      '6',
      ...small.slice(0, 4),
    );
    expect(first.code).toBe(130);
    expect(first.stderr).toMatch(
      /rop: interrupted after epoch \d; best model \(epoch \d\) kept in .*run-seg\/model; continue with: rop train seg --out .* --resume/,
    );
    expect(existsSync(path.join(run, 'model', 'manifest.json'))).toBe(true);
    const log = readFileSync(path.join(run, 'log.jsonl'), 'utf8').trim().split('\n');
    expect(log.length).toBeGreaterThanOrEqual(1);
    expect(log.length).toBeLessThan(6);

    const resumed = rop(
      'train',
      'seg',
      '--out',
      run,
      '--resume',
      '--backend',
      'wasm',
      '--no-register',
      '--no-progress',
    );
    expect(resumed.stderr).toMatch(/resuming at epoch \d/);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(/finished after 6 epochs/);
    const epochs = readFileSync(path.join(run, 'log.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).epoch);
    expect(epochs).toEqual([1, 2, 3, 4, 5, 6]);
    const summary = JSON.parse(readFileSync(path.join(run, 'summary.json'), 'utf8'));
    expect(summary.status).toBe('finished');
    const manifest = JSON.parse(readFileSync(path.join(run, 'model', 'manifest.json'), 'utf8'));
    expect(manifest.training.notes.epoch).toBe(summary.bestEpoch);
    expect(readFileSync(path.join(run, 'curves.png')).subarray(1, 4).toString('latin1')).toBe('PNG');
  }, 600_000);

  it("trains a hybrid classifier on the segmenter's masks and evaluates the pipeline pieces", () => {
    const seg = path.join(dir, 'run-seg', 'model');
    const run = path.join(dir, 'run-cls');
    const args = ['--input-size', '32', '--backend', 'wasm', '--no-progress', '--data-dir', state];
    const r = rop(
      'train',
      'cls',
      '--data',
      data,
      '--out',
      run,
      '--epochs',
      '2',
      '--input',
      'hybrid',
      '--segmenter',
      seg,
      ...args,
    );
    if (r.code !== 0) console.error(r.stderr);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/finished after 2 epochs; best epoch [12]/);
    // Trained artifacts land in the model registry as candidates, with the dataset they came from.
    expect(r.stdout).toMatch(
      /registered: classifier hybrid-classifier@\S+ \(candidate, sha256 [0-9a-f]{12}\)/,
    );
    const list = rop('models', 'list', '--json', '--data-dir', state);
    expect(list.code).toBe(0);
    const rows = JSON.parse(list.stdout) as { name: string; status: string; datasetHash: string }[];
    const manifest = JSON.parse(readFileSync(path.join(run, 'model', 'manifest.json'), 'utf8'));
    expect(rows).toEqual([
      expect.objectContaining({
        name: 'hybrid-classifier',
        status: 'candidate',
        datasetHash: manifest.training.datasetHash,
      }),
    ]);
    // A hybrid classifier alone cannot stage: evaluate says what to give it instead.
    const e = rop(
      'evaluate',
      '--model',
      path.join(run, 'model'),
      '--data',
      data,
      '--backend',
      'wasm',
      '--no-progress',
    );
    expect(e.code).toBe(2);
    expect(e.stderr).toMatch(/^rop: TRAIN\.BAD_OPTION: .*evaluate the pipeline directory/m);
  }, 600_000);

  it('bad input: one line, exit 2, nothing written', () => {
    const cases: [string[], RegExp][] = [
      [['train', 'seg', '--out', path.join(dir, 'x1'), '--backend', 'wasm'], /--data is required/],
      [
        [
          'train',
          'seg',
          '--data',
          data,
          '--out',
          path.join(dir, 'x2'),
          '--profile',
          'huge',
          '--backend',
          'wasm',
        ],
        /TRAIN.BAD_OPTION: unknown profile 'huge'/,
      ],
      [
        [
          'train',
          'seg',
          '--data',
          path.join(dir, 'nope'),
          '--out',
          path.join(dir, 'x3'),
          '--backend',
          'wasm',
        ],
        /DATASET.INVALID/,
      ],
      [
        ['train', 'seg', '--out', path.join(dir, 'x4'), '--resume', '--backend', 'wasm'],
        /TRAIN.NOTHING_TO_RESUME/,
      ],
      [
        ['train', 'seg', '--data', data, '--out', path.join(dir, 'run-seg'), '--backend', 'wasm'],
        /TRAIN.RUN_EXISTS: .* --resume/,
      ],
      [
        [
          'train',
          'cls',
          '--data',
          data,
          '--out',
          path.join(dir, 'x5'),
          '--backend',
          'wasm',
          ...small.slice(0, 2),
        ],
        /--segmenter DIR/,
      ],
      [
        ['train', 'seg', '--data', data, '--out', path.join(dir, 'x6'), '--stages', '1,5'],
        /expected distinct stages 0-3/,
      ],
    ];
    for (const [args, want] of cases) {
      const r = rop(...args, '--no-register');
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(want);
      expect(r.stderr.split('\n').filter((l) => /^(rop|error):/.test(l))).toHaveLength(1);
    }
    expect(existsSync(path.join(dir, 'x1'))).toBe(false);
    expect(existsSync(path.join(dir, 'x3'))).toBe(false);
  }, 600_000);

  it('--help documents every option', () => {
    for (const cmd of [['train', 'seg'], ['train', 'cls'], ['experiment'], ['evaluate']]) {
      const r = rop(...cmd, '--help');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('--data');
      expect(r.stdout).toContain('--backend');
    }
  });
});
