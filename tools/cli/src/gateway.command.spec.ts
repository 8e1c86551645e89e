import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveGatewayConfig } from './commands/gateway.command.js';
import { postgresProcessesFor, rop, startGateway, tempDir } from './gateway.test-util.js';

const dir = tempDir('rop-gateway-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('rop gateway', () => {
  it('configuration: defaults < config file < environment < flags', async () => {
    const file = path.join(dir, 'layers.json');
    writeFileSync(file, JSON.stringify({ port: 9000, dataDir: 'from-file', dimse: { aeTitle: 'FILEAE' } }));
    const defaults = await resolveGatewayConfig({ role: 'all' }, {});
    expect(defaults).toMatchObject({
      host: '127.0.0.1',
      port: 8080,
      dataDir: 'var',
      dimse: { aeTitle: 'ROPLINE' },
    });
    // The registry's active demo-pipeline version, the demo directory while none is active.
    expect(defaults.analysis).toEqual({
      pipelines: {
        default: {
          registry: 'rop-demo-hybrid',
          fallbackDir: expect.stringMatching(/models\/demo\/pipelines\/hybrid$/),
        },
      },
    });
    expect(defaults.viewer).toEqual({ host: '127.0.0.1', port: 8081 });
    const env = {
      ROPLINE_HTTP_PORT: '9100',
      ROPLINE_AE_TITLE: 'ENVAE',
      ROPLINE_DIMSE_PORT: '11200',
      ROPLINE_VIEWER_PORT: '9300',
    };
    const layered = await resolveGatewayConfig({ role: 'api', config: file, port: 9200 }, env);
    expect(layered).toMatchObject({
      port: 9200,
      dataDir: 'from-file',
      dimse: { aeTitle: 'ENVAE', port: 11200 },
      worker: { enabled: false },
      viewer: { port: 9300 },
    });
    await expect(resolveGatewayConfig({ role: 'all' }, { ROPLINE_HTTP_PORT: 'eighty' })).rejects.toThrow(
      /ROPLINE_HTTP_PORT=eighty: expected a port number/,
    );
  });

  it('a bad config file exits 2 with one line naming the key', () => {
    const unknown = path.join(dir, 'unknown.json');
    writeFileSync(unknown, JSON.stringify({ prot: 8080, limits: { maxInstanceBytes: 10 } }));
    let r = rop(['gateway', '--config', unknown, '--data-dir', path.join(dir, 'never')]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^rop: CONFIG\.INVALID: config file .*unknown key 'prot': remove it/);

    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ port: 'eighty', duplicatePolicy: 'sometimes' }));
    r = rop(['gateway', '--config', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/CONFIG\.INVALID: .*'port': .*'duplicatePolicy'/);

    const notJson = path.join(dir, 'not.json');
    writeFileSync(notJson, '{ port: 1');
    r = rop(['gateway', '--config', notJson]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^rop: CONFIG\.INVALID: config file .* is not valid JSON/);

    r = rop(['gateway', '--role', 'everything']);
    expect(r.code).toBe(2);

    const badViewer = path.join(dir, 'bad-viewer.json');
    writeFileSync(
      badViewer,
      JSON.stringify({ viewer: { destinations: [{ name: 'pacs', kind: 'stow', url: 'nope' }] } }),
    );
    r = rop(['gateway', '--config', badViewer]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^rop: CONFIG\.INVALID: config file .*viewer\.destinations\.0\.url/);

    const badForward = path.join(dir, 'bad-forward.json');
    writeFileSync(
      badForward,
      JSON.stringify({
        routing: { rules: [{ match: { modality: 'OT' }, action: 'forward', destination: 'archive' }] },
      }),
    );
    r = rop(['gateway', '--config', badForward]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(
      /'forward' to 'archive', which viewer\.destinations does not define: add it there/,
    );
  });

  it('starts (role api, then role worker), prints its listeners, and stops on SIGTERM with exit 0 and no postgres left', async () => {
    const dataDir = path.join(dir, 'var-api');
    const gw = await startGateway([
      '--role',
      'api',
      '--port',
      '0',
      '--data-dir',
      dataDir,
      '--ae-title',
      'TESTAE',
    ]);
    expect(gw.stdout()).toMatch(
      /^rop gateway: DICOMweb http:\/\/127\.0\.0\.1:\d+\/dicomweb, DIMSE TESTAE@127\.0\.0\.1:\d+, worker: off$/m,
    );
    const res = await fetch(`${gw.dicomweb}/studies`);
    expect([200, 204]).toContain(res.status);
    expect(postgresProcessesFor(dataDir).length).toBeGreaterThan(0);
    gw.child.kill('SIGTERM');
    expect(await gw.exited).toBe(0);
    expect(gw.stdout()).toMatch(/stopped/);
    expect(postgresProcessesFor(dataDir)).toEqual([]);

    // The worker role alone on the same data dir (embedded Postgres again), stopped the same way.
    const worker = await startGateway(['--role', 'worker', '--data-dir', dataDir], {}, /worker: on/);
    expect(worker.stdout()).toMatch(/^rop gateway: role worker, worker: on \(pipeline rop-demo-hybrid /m);
    expect(worker.stdout()).not.toMatch(/DICOMweb/);
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    expect(postgresProcessesFor(dataDir)).toEqual([]);
  });

  it('role all runs the worker with the demo pipeline and the viewer; SIGINT stops it with exit 0', async () => {
    const dataDir = path.join(dir, 'var-all');
    const gw = await startGateway(
      ['--port', '0', '--viewer-port', '0', '--data-dir', dataDir],
      {},
      /role all/,
    );
    expect(gw.stdout()).toMatch(/DIMSE ROPLINE@127\.0\.0\.1:\d+, worker: on \(pipeline rop-demo-hybrid /);
    const review = /review page (http:\/\/\S+),/.exec(gw.stdout())?.[1];
    expect(gw.stdout()).toMatch(/review page http:\/\/127\.0\.0\.1:\d+, no PACS destinations configured/);
    const worklist = await fetch(`${review}/api/review/worklist`);
    expect(worklist.status).toBe(200);
    gw.child.kill('SIGINT');
    expect(await gw.exited).toBe(0);
    expect(postgresProcessesFor(dataDir)).toEqual([]);
  });

  it('role viewer alone: the review page and the publisher on the same data dir; SIGTERM exits 0', async () => {
    const dataDir = path.join(dir, 'var-viewer');
    const v = await startGateway(
      ['--role', 'viewer', '--viewer-port', '0', '--data-dir', dataDir],
      {},
      /role viewer/,
    );
    expect(v.stdout()).toMatch(
      /^rop gateway: role viewer, review page http:\/\/127\.0\.0\.1:\d+, no PACS destinations/m,
    );
    expect(v.stdout()).not.toMatch(/DICOMweb/);
    v.child.kill('SIGTERM');
    expect(await v.exited).toBe(0);
    expect(postgresProcessesFor(dataDir)).toEqual([]);
  });
});
