import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@ropline/models';
import { writeTinyPipeline } from '@ropline/models/testing';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../bin/rop.mjs');
const dir = mkdtempSync(path.join(tmpdir(), 'rop-cli-registry-'));
chmodSync(dir, 0o755); // as root, the embedded Postgres runs as `postgres` and must traverse it
const dataDir = path.join(dir, 'var');
const pipeline = path.join(dir, 'pipeline');

function rop(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const env: NodeJS.ProcessEnv = { ...process.env, ROPLINE_DATA_DIR: dataDir };
  delete env.DATABASE_URL;
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 90_000, env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function variant(version: string): string {
  const out = path.join(dir, `pipeline-${version}`);
  cpSync(pipeline, out, { recursive: true });
  const file = path.join(out, 'pipeline.json');
  writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), version }));
  return out;
}

beforeAll(async () => {
  await initBackend({ backend: 'cpu' }, { log: () => {} });
  await writeTinyPipeline(pipeline, 'hybrid');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('rop models (registry)', () => {
  it('prints help for every registry command', () => {
    for (const sub of ['register', 'list', 'show', 'promote', 'rollback']) {
      const r = rop('models', sub, '--help');
      expect(r.code, sub).toBe(0);
      expect(r.stdout).toContain(`rop models ${sub}`);
      expect(r.stdout).toContain('--database-url');
    }
  });

  it('registers idempotently, lists, promotes, rolls back and shows the audit trail', () => {
    const reg = rop('models', 'register', pipeline, '--by', 'alice');
    expect(reg.stderr).not.toMatch(/postgresql:\/\//); // no URL (with its password) in the logs
    expect(reg.code).toBe(0);
    expect(reg.stdout).toMatch(
      /^registered pipeline tiny-hybrid@0\.0\.3 sha256 [0-9a-f]{64} \(candidate\)\n$/,
    );
    expect(rop('models', 'register', pipeline).stdout).toMatch(
      /^already registered pipeline tiny-hybrid@0\.0\.3/,
    );
    expect(rop('models', 'register', variant('0.0.4'), '--by', 'alice').code).toBe(0);

    const list = rop('models', 'list', '--json');
    expect(list.code).toBe(0);
    const rows = JSON.parse(list.stdout) as { kind: string; name: string; version: string }[];
    // Ordered by kind (enum order: segmenter, classifier, pipeline), name, registration time.
    expect(rows.map((m) => `${m.kind}:${m.name}@${m.version}`)).toEqual([
      'segmenter:tiny-unet@0.0.1',
      'classifier:tiny-cnn@0.0.2',
      'pipeline:tiny-hybrid@0.0.3',
      'pipeline:tiny-hybrid@0.0.4',
    ]);
    expect(rop('models', 'list', '--kind', 'segmenter').stdout).toMatch(
      /^segmenter\s+tiny-unet@0\.0\.1\s+candidate/,
    );

    expect(
      rop('models', 'promote', 'tiny-hybrid', '0.0.3', '--reason', 'baseline', '--by', 'bob').stdout,
    ).toBe('active pipeline tiny-hybrid@0.0.3\n');
    // The metric gate (default for pipelines) refuses 0.0.4: it has no held-out comparison with
    // the active 0.0.3 (`rop retrain` records one). --force --reason overrides it, audited.
    const refused = rop('models', 'promote', 'tiny-hybrid', '0.0.4');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /^rop: REGISTRY\.GATE_FAILED: tiny-hybrid@0\.0\.4 did not pass the promotion gate: tiny-hybrid@0\.0\.4 has no held-out comparison with the active version 0\.0\.3/,
    );
    const forced = rop(
      'models',
      'promote',
      'tiny-hybrid',
      '0.0.4',
      '--force',
      '--reason',
      'no held-out data yet',
    );
    expect(forced.stdout).toBe('active pipeline tiny-hybrid@0.0.4\n');
    expect(forced.stderr).toContain('gate: tiny-hybrid@0.0.4 has no held-out comparison');
    const promoted = JSON.parse(rop('models', 'show', 'tiny-hybrid', '0.0.4', '--json').stdout) as {
      events: { action: string; forced: boolean; reason: string | null; details: { gatePassed?: boolean } }[];
    };
    expect(promoted.events.map((e) => [e.action, e.forced, e.reason, e.details.gatePassed ?? null])).toEqual([
      ['register', false, null, null],
      ['promote', true, 'no held-out data yet', false],
    ]);
    expect(rop('models', 'rollback', 'tiny-hybrid', '--reason', 'regression').stdout).toBe(
      'active pipeline tiny-hybrid@0.0.3 (rolled back)\n',
    );
    const active = JSON.parse(rop('models', 'list', '--status', 'active', '--json').stdout) as {
      version: string;
    }[];
    expect(active.map((m) => m.version)).toEqual(['0.0.3']);

    const show = rop('models', 'show', 'tiny-hybrid', '0.0.3', '--json');
    expect(show.code).toBe(0);
    const d = JSON.parse(show.stdout) as {
      model: { status: string };
      segmenter: { name: string };
      events: { action: string; actor: string; fromVersion: string | null; reason: string | null }[];
    };
    expect(d.model.status).toBe('active');
    expect(d.segmenter.name).toBe('tiny-unet');
    expect(d.events.map((e) => [e.action, e.actor, e.fromVersion, e.reason])).toEqual([
      ['register', 'alice', null, null],
      ['promote', 'bob', null, 'baseline'],
      ['rollback', userInfo().username, '0.0.4', 'regression'],
    ]);
    expect(rop('models', 'show', 'tiny-hybrid', '0.0.4').stdout).toContain('retired');
  });

  it('exits 2 with one line for bad input', () => {
    const cases: [string[], RegExp][] = [
      [['models', 'register', path.join(dir, 'missing')], /^rop: MODEL\.ARTIFACT_INVALID: /],
      [['models', 'promote', 'tiny-hybrid', '9.9.9'], /^rop: REGISTRY\.NOT_FOUND: /],
      [['models', 'rollback', 'tiny-unet'], /^rop: REGISTRY\.NOTHING_TO_ROLL_BACK: /],
      [['models', 'promote', 'tiny-unet', '0.0.1', '--force'], /^rop: REGISTRY\.REASON_REQUIRED: /],
      [
        ['models', 'promote', 'tiny-hybrid', '0.0.4', '--margin-f1', '-1'],
        /error: option '--margin-f1 <x>' argument '-1' is invalid/,
      ],
      [['models', 'list', '--database-url', 'mysql://u:p@h/db'], /^rop: CONFIG\.INVALID: /],
      [
        ['models', 'list', '--database-url', 'postgresql://u:s3cret@127.0.0.1:1/x'],
        /^rop: DB\.UNAVAILABLE: .*127\.0\.0\.1:1/,
      ],
      [
        ['models', 'list', '--status', 'bogus'],
        /error: option '--status <status>' argument 'bogus' is invalid/,
      ],
    ];
    for (const [args, pattern] of cases) {
      const r = rop(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(pattern);
      expect(r.stderr).not.toContain('s3cret');
      if (pattern.source.startsWith('^rop:')) expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});
