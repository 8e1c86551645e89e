import { appendFile, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '@ropline/db';
import { createModelRegistry, inspectArtifact, previousActive, type ModelRegistry } from './index.js';
import { createTestEnv, rejection, type TestEnv } from './registry.spec-util.js';

let env: TestEnv;
let registry: ModelRegistry;
const actor = 'alice';

beforeAll(async () => {
  env = await createTestEnv();
  registry = createModelRegistry({ prisma: env.db.prisma, storeDir: path.join(env.root, 'var', 'models') });
});
afterAll(async () => {
  await env?.dispose();
});

describe('previousActive', () => {
  it.each([
    [[], null],
    [[['promote', '1']], null],
    [
      [
        ['promote', '1'],
        ['promote', '2'],
      ],
      '1',
    ],
    [
      [
        ['promote', '1'],
        ['promote', '2'],
        ['rollback', '1'],
      ],
      null,
    ],
    [
      [
        ['promote', '1'],
        ['promote', '2'],
        ['rollback', '1'],
        ['promote', '3'],
      ],
      '1',
    ],
    [
      [
        ['promote', '1'],
        ['promote', '2'],
        ['promote', '3'],
        ['rollback', '2'],
      ],
      '1',
    ],
  ] as [string[][], string | null][])('%j -> %s', (events, expected) => {
    const ev = events.map(([action, toVersion]) => ({ action: action as 'promote', toVersion }));
    expect(previousActive(ev)).toBe(expected);
  });
});

describe('register', () => {
  it('registers a pipeline and its components, copied into the content-addressed store', async () => {
    const { model, created } = await registry.register(env.base, { actor });
    expect(created).toBe(true);
    expect(model).toMatchObject({
      kind: 'pipeline',
      name: 'tiny-hybrid',
      version: '0.0.3',
      status: 'candidate',
      createdBy: actor,
      detail: 'hybrid',
    });
    expect(model.location).toBe(path.join(env.root, 'var', 'models', model.sha256));
    expect((await inspectArtifact(model.location)).sha256).toBe(model.sha256);
    const all = await registry.list();
    expect(all.map((m) => `${m.kind}:${m.name}@${m.version}`).sort()).toEqual([
      'classifier:tiny-cnn@0.0.2',
      'pipeline:tiny-hybrid@0.0.3',
      'segmenter:tiny-unet@0.0.1',
    ]);
    const details = await registry.show('tiny-hybrid', '0.0.3');
    expect(details.segmenter?.name).toBe('tiny-unet');
    expect(details.classifier?.version).toBe('0.0.2');
    expect(details.events.map((e) => [e.action, e.actor, e.toVersion])).toEqual([
      ['register', actor, '0.0.3'],
    ]);
    const cls = details.classifier!;
    const manifest = await readFile(path.join(env.base, 'classifier', 'manifest.json'));
    const { createHash } = await import('node:crypto');
    expect(cls.sha256).toBe(createHash('sha256').update(manifest).digest('hex'));
  });

  it('is idempotent for the same artifact and keeps the stored copy immune to source edits', async () => {
    const first = await registry.show('tiny-hybrid', '0.0.3');
    const again = await registry.register(env.base, { actor: 'bob' });
    expect(again.created).toBe(false);
    expect(again.model.id).toBe(first.model.id);
    expect(await registry.list()).toHaveLength(3);
    const src = await env.variant({ version: '9.9.9' });
    await registry.register(src, { actor });
    await appendFile(path.join(src, 'classifier', 'weights.bin'), 'tampered');
    const stored = await registry.show('tiny-hybrid', '9.9.9');
    expect((await inspectArtifact(stored.model.location)).sha256).toBe(stored.model.sha256);
  });

  it('refuses the same name and version with other content (REGISTRY.CONFLICT)', async () => {
    const dir = await env.variant({}, (json) => JSON.stringify(JSON.parse(json)));
    const err = await rejection(registry.register(dir, { actor }));
    expect(err.code).toBe('REGISTRY.CONFLICT');
    expect(err.message).toContain('tiny-hybrid@0.0.3');
  });

  it('refuses a corrupted artifact and registers nothing', async () => {
    const before = (await registry.list()).length;
    const dir = await env.variant({ version: '6.6.6' });
    const weights = path.join(dir, 'segmenter', 'weights.bin');
    const bytes = await readFile(weights);
    bytes[0] ^= 0xff;
    await writeFile(weights, bytes);
    const err = await rejection(registry.register(dir, { actor }));
    expect(err.code).toBe('MODEL.CHECKSUM_MISMATCH');
    expect((await registry.list()).length).toBe(before);
    expect((await rejection(registry.register(path.join(env.root, 'nope'), { actor }))).code).toBe(
      'MODEL.ARTIFACT_INVALID',
    );
  });
});

describe('promote and rollback', () => {
  it('keeps one active version and walks back through the audit trail', async () => {
    for (const v of ['1.0.0', '2.0.0', '3.0.0']) {
      await registry.register(await env.variant({ name: 'chain', version: v }), { actor });
    }
    expect(await registry.getActive('pipeline', 'chain')).toBeNull();
    expect((await rejection(registry.rollback('chain', { actor }))).code).toBe(
      'REGISTRY.NOTHING_TO_ROLL_BACK',
    );

    await registry.promote('chain', '1.0.0', { actor, reason: 'first' });
    await registry.promote('chain', '2.0.0', { actor: 'bob', reason: 'better kappa' });
    expect((await registry.getActive('pipeline', 'chain'))?.version).toBe('2.0.0');
    expect((await registry.show('chain', '1.0.0')).model.status).toBe('retired');

    const back = await registry.rollback('chain', { actor: 'carol', reason: 'false positives' });
    expect(back.version).toBe('1.0.0');
    expect((await registry.show('chain', '2.0.0')).model.status).toBe('retired');
    expect((await rejection(registry.rollback('chain', { actor }))).code).toBe(
      'REGISTRY.NOTHING_TO_ROLL_BACK',
    );

    await registry.promote('chain', '3.0.0', { actor });
    expect((await registry.getActive('pipeline', 'chain'))?.version).toBe('3.0.0');
    expect((await registry.list({ name: 'chain', status: 'active' })).map((m) => m.version)).toEqual([
      '3.0.0',
    ]);

    const events = (await registry.history('chain')).filter((e) => e.action !== 'register');
    expect(events.map((e) => [e.action, e.fromVersion, e.toVersion, e.actor, e.reason])).toEqual([
      ['promote', null, '1.0.0', 'alice', 'first'],
      ['promote', '1.0.0', '2.0.0', 'bob', 'better kappa'],
      ['rollback', '2.0.0', '1.0.0', 'carol', 'false positives'],
      ['promote', '1.0.0', '3.0.0', 'alice', null],
    ]);
    expect((await registry.rollback('chain', { actor })).version).toBe('1.0.0');
  });

  it('runs the promotion gate; force needs a reason and is audited', async () => {
    await registry.register(await env.variant({ name: 'gated', version: '1' }), { actor });
    const gate = () => ({ ok: false, reasons: ['kappa 0.61 < 0.70'] });
    const failed = await rejection(registry.promote('gated', '1', { actor, gate }));
    expect(failed.code).toBe('REGISTRY.GATE_FAILED');
    expect(failed.message).toContain('kappa 0.61 < 0.70');
    const noReason = await rejection(registry.promote('gated', '1', { actor, gate, force: true }));
    expect(noReason.code).toBe('REGISTRY.REASON_REQUIRED');
    expect(await registry.getActive('pipeline', 'gated')).toBeNull();
    const m = await registry.promote('gated', '1', { actor, gate, force: true, reason: 'emergency fix' });
    expect(m.status).toBe('active');
    const [ev] = (await registry.history('gated')).filter((e) => e.action === 'promote');
    expect(ev).toMatchObject({
      forced: true,
      reason: 'emergency fix',
      details: { gateReasons: ['kappa 0.61 < 0.70'] },
    });
    expect((await rejection(registry.promote('gated', '404', { actor }))).code).toBe('REGISTRY.NOT_FOUND');
  });

  it('keeps exactly one active version under concurrent promotes from two connections', async () => {
    for (const v of ['a', 'b'])
      await registry.register(await env.variant({ name: 'race', version: v }), { actor });
    const other = await openDatabase({ databaseUrl: env.db.url, migrate: false });
    try {
      const registry2 = createModelRegistry({
        prisma: other.prisma,
        storeDir: path.join(env.root, 'var', 'models'),
      });
      const results = await Promise.allSettled([
        registry.promote('race', 'a', { actor: 'p1' }),
        registry2.promote('race', 'b', { actor: 'p2' }),
      ]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
      const active = await registry.list({ name: 'race', status: 'active' });
      expect(active).toHaveLength(1);
      const promotes = (await registry.history('race')).filter((e) => e.action === 'promote');
      expect(promotes).toHaveLength(2);
      expect(promotes[1].fromVersion).toBe(promotes[0].toVersion);
      expect(promotes[1].toVersion).toBe(active[0].version);
    } finally {
      await other.close();
    }
    // The partial unique index refuses a second active row even outside the registry.
    await expect(
      env.db.prisma.$executeRaw`UPDATE registered_models SET status = 'active' WHERE name = 'race'`,
    ).rejects.toThrow();
  });
});
