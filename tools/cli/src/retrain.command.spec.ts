import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { importPhantoms } from '@ropline/datasets';
import { generatePhantoms } from '@ropline/phantom';
import { registerModelRegistryCommands } from './commands/models-registry.command.js';
import { registerRetrainCommand } from './commands/retrain.command.js';
import { DEMO_PIPELINE } from './demo-model.js';

// Until apps/trainer/src/index.ts re-exports ./retrain/index.js, give '@ropline/trainer' its exports here
// (harmless once it does).
const dir = mkdtempSync(path.join(tmpdir(), 'rop-cli-retrain-'));
chmodSync(dir, 0o755); // as root, the embedded Postgres runs as `postgres` and must traverse it
const dataDir = path.join(dir, 'var');
const snapshot = path.join(dir, 'snapshot');
const demo = JSON.parse(readFileSync(path.join(DEMO_PIPELINE, 'pipeline.json'), 'utf8')) as {
  name: string;
  version: string;
};

/** Runs `rop ARGS` in this process on a fresh program (as main.ts would wire it), capturing output. */
async function rop(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const program = new Command('rop').exitOverride();
  registerModelRegistryCommands(program);
  registerRetrainCommand(program);
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((stdout += String(s)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((stderr += String(s)), true));
  try {
    await program.parseAsync(['node', 'rop', ...args, '--data-dir', dataDir]);
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = undefined;
  return { code, stdout, stderr };
}

const small = [
  '--epochs-seg',
  '1',
  '--epochs-cls',
  '1',
  '--bootstrap',
  '100',
  '--backend',
  'wasm',
  '--no-progress',
];

beforeAll(async () => {
  const cohort = path.join(dir, 'cohort');
  await generatePhantoms({ out: cohort, infants: 8, seed: 21, size: [160, 120] });
  await importPhantoms({ from: cohort, out: snapshot });
}, 300_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('rop retrain', () => {
  it('documents its options', () => {
    const program = new Command('rop');
    registerRetrainCommand(program);
    const help = program.commands.find((c) => c.name() === 'retrain')!.helpInformation();
    for (const flag of [
      '--dataset',
      '--from',
      '--profile',
      '--epochs-seg',
      '--epochs-cls',
      '--seed',
      '--out',
      '--no-register',
      '--name',
      '--database-url',
      '--data-dir',
    ])
      expect(help).toContain(flag);
  });

  it('retrains against the registry’s active version, registers candidates with both reports, and the gate decides promotion', async () => {
    expect((await rop('models', 'register', DEMO_PIPELINE, '--by', 'ops')).code).toBe(0);
    const base = await rop('models', 'promote', demo.name, demo.version, '--reason', 'baseline');
    expect(base.code).toBe(0);
    expect(base.stderr).toContain('gate: no active version of rop-demo-hybrid: first activation');

    // Fine-tune the active (demo) version on the snapshot.
    const ft = await rop(
      'retrain',
      '--dataset',
      snapshot,
      '--seed',
      '1',
      '--out',
      path.join(dir, 'rt-ft'),
      ...small,
    );
    expect(ft.stderr).toContain(`active: ${demo.name}@${demo.version} (registry)`);
    expect(ft.code, ft.stderr).toBe(0);
    const version = /registered: pipeline rop-demo-hybrid@(\S+) \(candidate/.exec(ft.stdout)?.[1];
    expect(version).toMatch(new RegExp(`^${demo.version}\\+rt\\.[0-9a-f]{8}\\.1$`));
    expect(ft.stdout).toMatch(/^macro F1 +\d\.\d{3} \[\d\.\d{3}, \d\.\d{3}\] +\d\.\d{3} \[/m);
    expect(ft.stdout).toMatch(/^held-out: test split, \d+ images, \d+ infants/m);
    const report = path.join(dir, 'rt-ft', 'pipeline', 'retrain-report.md');
    expect(ft.stdout).toContain(`report: ${report}`);
    expect(existsSync(report)).toBe(true);
    const json = JSON.parse(readFileSync(path.join(dir, 'rt-ft', 'pipeline', 'retrain-report.json'), 'utf8'));
    const { candidate, active } = json.metrics;
    const passes =
      candidate.macroF1.estimate >= active.macroF1.estimate - 0.02 &&
      candidate.kappaQuadratic.estimate >= active.kappaQuadratic.estimate - 0.02;
    expect(ft.stdout).toContain(`promotion gate (default margins): ${passes ? 'would pass' : 'would FAIL'}`);
    expect(passes).toBe(true); // measured (seed 1): macro F1 0.740 vs 0.674, kappa 0.862 vs 0.718
    const promoted = await rop('models', 'promote', demo.name, version!);
    expect(promoted.code, promoted.stderr).toBe(0);
    expect(promoted.stdout).toBe(`active pipeline ${demo.name}@${version}\n`);
    expect(promoted.stderr).toMatch(/^gate: macro F1: candidate .*: pass/m);

    // From scratch (1 epoch each): compared with the now-active candidate, from the registry's copy.
    // (machine-readable, as the viewer's retraining service runs it)
    const bad = await rop(
      'retrain',
      '--dataset',
      snapshot,
      '--from',
      'scratch',
      '--seed',
      '1',
      '--out',
      path.join(dir, 'rt-bad'),
      '--progress-json',
      ...small,
    );
    expect(bad.code, bad.stderr).toBe(0);
    expect(bad.stderr).toContain(`active: ${demo.name}@${version} (registry)`);
    expect(bad.stderr).toContain('promotion gate (default margins): would FAIL');
    const lines = bad.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const progress = lines.filter((l) => l.event === 'progress');
    const fractions = progress.map((l) => Number(l.fraction));
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
    expect(fractions[0]).toBe(0);
    expect(fractions[fractions.length - 1]).toBeLessThanOrEqual(1);
    expect(new Set(progress.map((l) => l.phase))).toEqual(
      new Set([
        'prepare',
        'train-segmenter',
        'train-classifier',
        'evaluate-candidate',
        'evaluate-active',
        'report',
      ]),
    );
    const res = lines[lines.length - 1] as {
      event: string;
      name: string;
      version: string;
      registered: boolean;
      gate: { ok: boolean; reasons: string[] };
      metrics: { active: { pipeline: { version: string } } };
    };
    expect(res.event).toBe('result');
    expect(res.name).toBe(demo.name);
    const badVersion = res.version;
    expect(badVersion).toBe(`${version}+rt.${version!.split('+rt.')[1].split('.')[0]}.1.scratch`);
    expect(res.registered).toBe(true);
    expect(res.gate.ok).toBe(false);
    expect(res.metrics.active.pipeline.version).toBe(version);
    const refused = await rop('models', 'promote', demo.name, badVersion);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^rop: REGISTRY\.GATE_FAILED: .*macro F1: candidate \d\.\d{3} \[.*FAIL/);
    // Looser margins do not help a model that is this much worse; --force with a reason does.
    expect(
      (await rop('models', 'promote', demo.name, badVersion, '--margin-f1', '0.05', '--margin-kappa', '0.05'))
        .code,
    ).toBe(2);
    const forced = await rop(
      'models',
      'promote',
      demo.name,
      badVersion,
      '--force',
      '--reason',
      'drill: override the gate',
    );
    expect(forced.code, forced.stderr).toBe(0);
    const show = JSON.parse((await rop('models', 'show', demo.name, badVersion, '--json')).stdout) as {
      model: {
        status: string;
        metrics: { heldOut: { items: string[] }; attachments: Record<string, string> };
      };
      events: {
        action: string;
        forced: boolean;
        reason: string | null;
        fromVersion: string;
        details: { gatePassed: boolean };
      }[];
    };
    expect(show.model.status).toBe('active');
    expect(Object.keys(show.model.metrics.attachments).sort()).toEqual([
      'retrain-comparison.png',
      'retrain-report.json',
      'retrain-report.md',
    ]);
    const last = show.events[show.events.length - 1];
    expect([last.action, last.forced, last.reason, last.fromVersion, last.details.gatePassed]).toEqual([
      'promote',
      true,
      'drill: override the gate',
      version,
      false,
    ]);
  }, 600_000);

  it('exits 2 with one line for bad input', async () => {
    const r = await rop(
      'retrain',
      '--dataset',
      path.join(dir, 'missing'),
      '--no-register',
      '--active-dir',
      DEMO_PIPELINE,
      ...small,
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^rop: [A-Z_.]+: /);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
