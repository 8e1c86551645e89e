import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../create-gateway.js';
import { makeTempDir } from '../testing/temp-dir.util.js';
import { testGatewayConfig } from '../testing/gateway-config.util.js';
import { createDicomWebClient } from '../testing/stow.fixtures.js';
import { makeOpInstance, newStudyUid, waitFor } from './analysis.fixtures.js';
import { startWorker } from './start-worker.js';

const ctx = { log: () => undefined };

describe('worker role on its own (gateway with worker.enabled=false + startWorker)', () => {
  let tmp: Awaited<ReturnType<typeof makeTempDir>>;
  let gw: Gateway;
  let worker: Awaited<ReturnType<typeof startWorker>> | undefined;
  beforeAll(async () => {
    tmp = await makeTempDir('worker-role');
    gw = await createGateway(
      testGatewayConfig(tmp.dir, {
        analysis: { quietPeriodMs: 300 },
        worker: { enabled: false },
      }),
      ctx,
    );
  });
  afterAll(async () => {
    await worker?.close();
    await gw?.close();
    await tmp?.remove();
  });

  it('the gateway only queues; a separate worker on the same Postgres and blobs analyses', async () => {
    expect(gw.analysis.worker).toBeNull();
    const study = newStudyUid();
    await createDicomWebClient(gw.url).storeInstances({
      datasets: [
        makeOpInstance(study, { laterality: 'R' }).buffer,
        makeOpInstance(study, { laterality: 'L' }).buffer,
      ],
    });
    await new Promise((r) => setTimeout(r, 1500));
    expect(await gw.db.prisma.analysis.count()).toBe(0);
    const jobs = await gw.analysis.queue.findJobs('analyze-study');
    expect(jobs.map((j) => j.state)).toEqual(['created']);

    worker = await startWorker(
      {
        databaseUrl: gw.db.url,
        dataDir: tmp.dir,
        analysis: { quietPeriodMs: 300 },
        worker: { backend: 'wasm' },
      },
      ctx,
    );
    expect(worker.worker).not.toBeNull();
    const done = await waitFor(
      async () => {
        const a = await gw.db.prisma.analysis.findFirst({
          where: { status: 'done' },
          include: { predictions: true },
        });
        return a ?? undefined;
      },
      90_000,
      'analysis by the separate worker',
    );
    expect(done.predictions.map((p) => [p.laterality, p.status]).sort()).toEqual([
      ['L', 'ok'],
      ['R', 'ok'],
    ]);
  });
});
