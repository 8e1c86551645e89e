import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../testing/review.fixtures.js';
import { startReviewStack, testTokens, TOKENS, type ReviewStack } from '../testing/review.stack.js';
import { retrainingConfigSchema } from './retraining.config.js';
import {
  RetrainingService,
  type RetrainOutcome,
  type RetrainProgress,
  type RetrainSteps,
} from './retraining.service.js';

/**
 * The retraining service on a real gateway's Postgres and pg-boss queue. The expensive steps
 * (snapshot + training, covered end to end in src/e2e/retraining.e2e.spec.ts) are replaced by a
 * step function the test releases, so that queueing, progress and failures can be observed.
 */
describe('retraining as a queued job: request, progress, outcome (API roles)', () => {
  let stack: ReviewStack;
  let url = '';
  const calls: { id: string; params: unknown; requestedBy: string }[] = [];
  const releases: ((o: RetrainOutcome | Error) => void)[] = [];
  const progress: ((p: RetrainProgress) => void)[] = [];
  const steps: RetrainSteps = (run, onProgress) => {
    calls.push(run);
    progress.push(onProgress);
    return new Promise((resolve, reject) =>
      releases.push((o) => (o instanceof Error ? reject(o) : resolve(o))),
    );
  };
  const api = (path: string, token: string, body?: unknown) =>
    fetch(`${url}/api/review/retraining${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const runOf = async (id: string) =>
    (await (await api(`/${id}`, TOKENS.scientist)).json()) as Record<string, unknown>;

  beforeAll(async () => {
    stack = await startReviewStack('retraining');
    const retraining = new RetrainingService(
      stack.gw.db,
      stack.gw.analysis.queue,
      steps,
      retrainingConfigSchema.parse({ epochsSeg: 2 }),
      { log: () => undefined },
    );
    await retraining.start();
    url = (await stack.startReview({ tokens: testTokens(), retraining })).url;
  });
  afterAll(async () => {
    for (const r of releases) r(new Error('test over'));
    await stack?.close();
  });

  it('only data scientists (and admins) may start or list runs', async () => {
    expect((await api('', TOKENS.clinician, {})).status).toBe(403);
    expect((await api('', TOKENS.clinician)).status).toBe(403);
    expect((await api('', TOKENS.scientist, { epochs: 3 })).status).toBe(400);
  });

  it('a run is queued, picked up, reports progress, and records the candidate', async () => {
    const res = await api('', TOKENS.scientist, { from: 'scratch' });
    expect(res.status).toBe(202);
    const run = (await res.json()) as {
      id: string;
      status: string;
      requestedBy: string;
      params: Record<string, unknown>;
    };
    expect(run).toMatchObject({ status: 'queued', requestedBy: 'sci-bo' });
    expect(run.params).toMatchObject({
      from: 'scratch',
      profile: 'cpu-quick',
      epochsSeg: 2,
      name: 'rop-demo-hybrid',
    });
    await waitFor(async () => (calls.length === 1 ? true : undefined), 'the job to start');
    expect(calls[0]).toMatchObject({ id: run.id, requestedBy: 'sci-bo', params: { from: 'scratch' } });
    expect((await runOf(run.id)).status).toBe('running');
    progress[0]({ phase: 'train-segmenter', fraction: 0.4, etaSeconds: 30 });
    await waitFor(
      async () => ((await runOf(run.id)).progress as { fraction?: number }).fraction === 0.4 || undefined,
      'progress in the row',
    );
    // While one runs, one more may wait; a third is refused.
    const second = await api('', TOKENS.scientist, {});
    expect(second.status).toBe(202);
    const third = await api('', TOKENS.scientist, {});
    expect([third.status, ((await third.json()) as { code: string }).code]).toEqual([
      409,
      'RETRAIN.ALREADY_QUEUED',
    ]);

    releases[0]({
      snapshotHash: 'a'.repeat(64),
      candidateName: 'rop-demo-hybrid',
      candidateVersion: 'v-test',
      metrics: { x: 1 },
    });
    await waitFor(async () => ((await runOf(run.id)).status === 'done' ? true : undefined), 'done');
    expect(await runOf(run.id)).toMatchObject({
      status: 'done',
      candidateVersion: 'v-test',
      snapshotHash: 'a'.repeat(64),
      metrics: { x: 1 },
      progress: { phase: 'done', fraction: 1 },
    });

    // The second run starts next; its failure is recorded, not retried.
    await waitFor(async () => (calls.length === 2 ? true : undefined), 'the second run to start');
    releases[1](Object.assign(new Error('no confirmed labels yet'), { code: 'DATASET.EMPTY' }));
    const secondId = ((await second.json()) as { id: string }).id;
    await waitFor(async () => ((await runOf(secondId)).status === 'failed' ? true : undefined), 'failed');
    expect(await runOf(secondId)).toMatchObject({
      errorCode: 'DATASET.EMPTY',
      errorMessage: 'no confirmed labels yet',
    });
    const list = (await (await api('', TOKENS.scientist)).json()) as { id: string }[];
    expect(list.map((r) => r.id)).toContain(run.id);
  });

  it('promote: only a finished run, and this server has no registry: a clear error', async () => {
    const runs = (await (await api('', TOKENS.scientist)).json()) as { id: string; status: string }[];
    const failed = runs.find((r) => r.status === 'failed')!;
    const r = await api(`/${failed.id}/promote`, TOKENS.scientist, {});
    expect(r.status).toBe(503);
    const bad = await api(`/${failed.id}/promote`, TOKENS.scientist, { force: 'yes' });
    expect(bad.status).toBe(400);
  });

  it('a configured cron schedule is registered with pg-boss (UTC) and removed when unset', async () => {
    const withSchedule = (schedule?: string) =>
      new RetrainingService(
        stack.gw.db,
        stack.gw.analysis.queue,
        steps,
        retrainingConfigSchema.parse(schedule ? { schedule } : {}),
        { log: () => undefined },
      );
    const schedules = () =>
      stack.gw.db.prisma.$queryRawUnsafe<{ name: string; cron: string; timezone: string }[]>(
        `SELECT name, cron, timezone FROM pgboss.schedule WHERE name = 'retrain'`,
      );
    await withSchedule('0 2 * * 0').start();
    expect(await schedules()).toEqual([{ name: 'retrain', cron: '0 2 * * 0', timezone: 'UTC' }]);
    await withSchedule().start();
    expect(await schedules()).toEqual([]);
    expect(() => retrainingConfigSchema.parse({ schedule: 'weekly' })).toThrow(/5-field cron/);
  });
});
