import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../create-gateway.js';
import { makeTempDir } from '../testing/temp-dir.util.js';
import { testGatewayConfig } from '../testing/gateway-config.util.js';
import { createDicomWebClient } from '../testing/stow.fixtures.js';
import { ANALYZE_STUDY } from './analysis.queues.js';
import { makeOpInstance, newStudyUid } from './analysis.fixtures.js';

const ctx = { log: () => undefined };

/**
 * StudyAssembler.catchUp: a study routed to analysis whose trigger was lost (the process died
 * between the instance's commit and its job) is found and scheduled, once. Real Postgres and
 * pg-boss; no worker, so jobs stay queued and analyses are written by the test.
 */
describe('analysis catch-up (lost triggers, embedded Postgres + pg-boss)', () => {
  let tmp: Awaited<ReturnType<typeof makeTempDir>>;
  let gw: Gateway;
  const [studyA, studyB] = [newStudyUid(), newStudyUid()];
  beforeAll(async () => {
    tmp = await makeTempDir('catch-up');
    gw = await createGateway(
      testGatewayConfig(tmp.dir, {
        worker: { enabled: false },
        // Jobs stay queued for the whole test; only start-up runs a catch-up by itself.
        analysis: { quietPeriodMs: 3_600_000, catchUpIntervalMs: 0 },
      }),
      ctx,
    );
    const client = createDicomWebClient(gw.url);
    for (const study of [studyA, studyB]) {
      const insts = [makeOpInstance(study, { laterality: 'R' }), makeOpInstance(study, { laterality: 'L' })];
      await client.storeInstances({ datasets: insts.map((i) => i.buffer) });
    }
  });
  afterAll(async () => {
    await gw?.close();
    await tmp?.remove();
  });

  const queued = async () =>
    (await gw.analysis.queue.findJobs(ANALYZE_STUDY))
      .filter((j) => j.state === 'created')
      .map((j) => (j.data as { studyInstanceUid: string }).studyInstanceUid)
      .sort();
  /** What a crash between commit and trigger leaves: rows, no job. */
  const loseTriggers = () => gw.db.sql().query(`DELETE FROM pgboss.job WHERE name = $1`, [ANALYZE_STUDY]);
  const studyId = async (uid: string) =>
    (await gw.db.prisma.study.findUniqueOrThrow({ where: { studyInstanceUid: uid } })).id;
  let jobSeq = 0;
  const addAnalysis = async (uid: string, status: 'done' | 'running' | 'failed', predictions: boolean) => {
    const id = await studyId(uid);
    const analysis = await gw.db.prisma.analysis.create({
      data: { studyId: id, jobId: `test-${(jobSeq += 1)}`, pipelineKey: 'default', status },
    });
    if (!predictions) return;
    const instances = await gw.db.prisma.instance.findMany({ where: { series: { studyId: id } } });
    await gw.db.prisma.prediction.createMany({
      data: instances.map((i) => ({
        analysisId: analysis.id,
        instanceId: i.id,
        laterality: i.laterality ?? 'U',
        status: 'ok',
      })),
    });
  };

  it('schedules each study whose trigger was lost, once; a queued job absorbs the next catch-up', async () => {
    expect(await queued()).toEqual([studyA, studyB].sort()); // the normal triggers
    expect(await gw.analysis.assembler.catchUp()).toEqual({ studies: 2, scheduled: 0 });
    await loseTriggers();
    expect(await queued()).toEqual([]);
    expect(await gw.analysis.assembler.catchUp()).toEqual({ studies: 2, scheduled: 2 });
    const jobs = (await gw.analysis.queue.findJobs(ANALYZE_STUDY)).filter((j) => j.state === 'created');
    expect(
      jobs.map((j) => j.data).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    ).toEqual([studyA, studyB].sort().map((studyInstanceUid) => ({ studyInstanceUid, pipeline: 'default' })));
    expect(
      jobs.every((j) =>
        j.singletonKey?.startsWith(`${(j.data as { studyInstanceUid: string }).studyInstanceUid}|default@`),
      ),
    ).toBe(true);
    expect(await gw.analysis.assembler.catchUp()).toEqual({ studies: 2, scheduled: 0 });
  });

  it('leaves analysed studies alone, and those whose newest analysis runs or failed for good', async () => {
    await addAnalysis(studyA, 'done', true);
    await loseTriggers();
    expect(await gw.analysis.assembler.catchUp()).toEqual({ studies: 1, scheduled: 1 });
    expect(await queued()).toEqual([studyB]);

    await loseTriggers();
    await addAnalysis(studyB, 'running', false);
    expect(await gw.analysis.assembler.catchUp()).toEqual({ studies: 0, scheduled: 0 });
    await addAnalysis(studyB, 'failed', false); // quarantined: an operator's call
    expect(await gw.analysis.assembler.catchUp()).toEqual({ studies: 0, scheduled: 0 });
    expect(await queued()).toEqual([]);
  });

  it('schedules again when an instance arrives after the last analysis and its trigger is lost', async () => {
    const client = createDicomWebClient(gw.url);
    await client.storeInstances({ datasets: [makeOpInstance(studyA, { laterality: 'L' }).buffer] });
    await loseTriggers();
    expect(await gw.analysis.assembler.catchUp()).toEqual({ studies: 1, scheduled: 1 });
    expect(await queued()).toEqual([studyA]);
  });
});
