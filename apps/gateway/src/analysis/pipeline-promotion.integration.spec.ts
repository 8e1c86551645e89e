import { cp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModelRegistry, type ModelRegistry } from '@ropline/registry';
import { createGateway, type Gateway } from '../create-gateway.js';
import { createDicomWebClient } from '../testing/stow.fixtures.js';
import { makeTempDir } from '../testing/temp-dir.util.js';
import { testGatewayConfig } from '../testing/gateway-config.util.js';
import { DEMO_PIPELINE_DIR } from './analysis.config.js';
import { makeOpInstance, newStudyUid, waitFor } from './analysis.fixtures.js';

const ctx = { log: () => undefined };

/**
 * The worker follows the registry: `{ registry, fallbackDir }` analyses with the demo directory until
 * a version is active, then with whatever is active when each job starts: a promotion or a rollback
 * takes effect for the next study, without restarting anything.
 */
describe('pipeline from the registry: promote and roll back without a restart', () => {
  let tmp: Awaited<ReturnType<typeof makeTempDir>>;
  let gw: Gateway;
  let registry: ModelRegistry;
  let demoVersion = '';

  const analyse = async () => {
    const study = newStudyUid();
    await createDicomWebClient(gw.url).storeInstances({
      datasets: [makeOpInstance(study, { laterality: 'R' }).buffer],
    });
    return waitFor(
      async () =>
        (await gw.db.prisma.analysis.findFirst({
          where: { study: { studyInstanceUid: study }, status: 'done' },
        })) ?? undefined,
      90_000,
      'analysis',
    );
  };

  beforeAll(async () => {
    tmp = await makeTempDir('promotion');
    demoVersion = (
      JSON.parse(await readFile(path.join(DEMO_PIPELINE_DIR, 'pipeline.json'), 'utf8')) as { version: string }
    ).version;
    gw = await createGateway(
      testGatewayConfig(tmp.dir, {
        analysis: {
          quietPeriodMs: 200,
          eyeStageMinConfidence: 0,
          pipelines: { default: { registry: 'rop-demo-hybrid', fallbackDir: DEMO_PIPELINE_DIR } },
        },
        worker: { backend: 'wasm' },
      }),
      ctx,
    );
    registry = createModelRegistry({ prisma: gw.db.prisma, storeDir: path.join(tmp.dir, 'models') });
  });
  afterAll(async () => {
    await gw?.close();
    await tmp?.remove();
  });

  it('uses the fallback directory while nothing is active', async () => {
    const a = await analyse();
    expect([a.pipelineName, a.pipelineVersion]).toEqual(['rop-demo-hybrid', demoVersion]);
  });

  it('a promoted version analyses the next study; a rollback restores the previous one', async () => {
    await registry.register(DEMO_PIPELINE_DIR, { actor: 'test' });
    await registry.promote('rop-demo-hybrid', demoVersion, { actor: 'test' });
    const v2 = path.join(tmp.dir, 'v2');
    await cp(DEMO_PIPELINE_DIR, v2, { recursive: true });
    const manifest = JSON.parse(await readFile(path.join(v2, 'pipeline.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    await writeFile(
      path.join(v2, 'pipeline.json'),
      JSON.stringify({ ...manifest, version: 'promotion-test-v2' }),
    );
    await registry.register(v2, { actor: 'test' });
    await registry.promote('rop-demo-hybrid', 'promotion-test-v2', { actor: 'test' });
    const b = await analyse();
    expect(b.pipelineVersion).toBe('promotion-test-v2');
    const p = await gw.db.prisma.prediction.findFirstOrThrow({ where: { analysisId: b.id } });
    expect(JSON.stringify(p.models)).toContain('segmenter');

    await registry.rollback('rop-demo-hybrid', { actor: 'test', reason: 'test rollback' });
    const c = await analyse();
    expect(c.pipelineVersion).toBe(demoVersion);
  });
});
