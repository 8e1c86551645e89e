import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../create-gateway.js';
import { makeInstance, multipartBody, PLANTED_PHI, type TestInstance } from '../testing/stow.fixtures.js';
import { makeTempDir } from '../testing/temp-dir.util.js';
import { createJsonLogger } from './json-logger.js';

const SENDER = 'sender-token-0123456789abcdef';
const CLINICIAN = 'clinician-token-0123456789abcdef';
const ADMIN = 'admin-token-0123456789abcdef';
const BOUNDARY = 'ropline-ops-boundary';

/** Every JSON line the gateway logged (pino -> this stream). */
const lines: string[] = [];
const sink = new Writable({
  write(chunk: Buffer, _enc, cb) {
    lines.push(chunk.toString('utf8'));
    cb();
  },
});
const ctx = createJsonLogger({ level: 'debug', destination: sink });

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const metricValue = (text: string, series: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

describe('operations: health, metrics, auth, OpenAPI, PHI-free logs (real gateway, embedded Postgres)', () => {
  let tmp: Awaited<ReturnType<typeof makeTempDir>>;
  let gw: Gateway;
  beforeAll(async () => {
    tmp = await makeTempDir('ops');
    gw = await createGateway(
      {
        port: 0,
        dataDir: tmp.dir,
        limits: { minFreeDiskBytes: 0 },
        auth: {
          tokens: [
            { name: 'pacs', token: SENDER, roles: ['sender'] },
            { name: 'dr', token: CLINICIAN, roles: ['clinician'] },
            // Hashed form, as an ops team would keep it in a config file.
            {
              name: 'ops',
              sha256: (await import('node:crypto')).createHash('sha256').update(ADMIN).digest('hex'),
              roles: ['admin'],
            },
          ],
        },
      },
      ctx,
    );
  });
  afterAll(async () => {
    await gw?.close();
    await tmp?.remove();
  });

  const stow = (instances: TestInstance[], headers: Record<string, string> = bearer(SENDER)) =>
    fetch(`${gw.url}/dicomweb/studies`, {
      method: 'POST',
      headers: {
        'content-type': `multipart/related; type="application/dicom"; boundary=${BOUNDARY}`,
        accept: 'application/dicom+json',
        ...headers,
      },
      body: multipartBody(
        BOUNDARY,
        instances.map((i) => i.bytes),
      ),
    });
  const metrics = async () => (await fetch(`${gw.url}/metrics`)).text();

  it('GET /health/live and /health/ready answer 200 without a token', async () => {
    const live = await fetch(`${gw.url}/health/live`);
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${gw.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', notReady: [] });
  });

  it('serves an OpenAPI 3.1 document with the API paths and the bearer scheme', async () => {
    const res = await fetch(`${gw.url}/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const doc = (await res.json()) as {
      openapi: string;
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
      components: { securitySchemes: Record<string, unknown> };
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    for (const p of [
      '/health/live',
      '/health/ready',
      '/metrics',
      '/openapi.json',
      '/dicomweb/studies',
      '/dicomweb/studies/{study}',
      '/dicomweb/studies/{study}/series/{series}/instances/{instance}',
      '/dicomweb/studies/{study}/series/{series}/instances/{instance}/frames/{frames}',
    ]) {
      expect(doc.paths, p).toHaveProperty([p]);
    }
    expect(Object.keys(doc.paths['/dicomweb/studies'].post.responses)).toEqual(
      expect.arrayContaining(['200', '202', '401', '403', '409', '415']),
    );
    expect(Object.keys(doc.paths['/health/ready'].get.responses)).toEqual(['200', '503']);
  });

  it('auth matrix: 401 without/with unknown token, 403 without the sender role, 200 for sender/admin', async () => {
    const qido = (headers: Record<string, string>) =>
      fetch(`${gw.url}/dicomweb/studies`, { headers: { accept: 'application/dicom+json', ...headers } });
    const none = await qido({});
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await none.json()).toMatchObject({ code: 'AUTH.MISSING_TOKEN' });
    const wrong = await qido(bearer(`${SENDER}x`));
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Bearer.*invalid_token/);
    expect((await qido({ authorization: `Basic ${SENDER}` })).status).toBe(401);
    const forbidden = await qido(bearer(CLINICIAN));
    expect(forbidden.status).toBe(403);
    expect(await forbidden.json()).toMatchObject({ code: 'AUTH.FORBIDDEN' });
    expect([200, 204]).toContain((await qido(bearer(SENDER))).status);
    expect([200, 204]).toContain((await qido(bearer(ADMIN))).status);
    // STOW and WADO are guarded the same way; nothing is stored by refused requests.
    const inst = makeInstance();
    const refused = await stow([inst], {});
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await stow([inst], bearer(CLINICIAN))).status).toBe(403);
    expect(
      await gw.db.prisma.instance.findUnique({ where: { sopInstanceUid: inst.sopInstanceUid } }),
    ).toBeNull();
    const wado = `${gw.url}/dicomweb/studies/${inst.studyUid}/metadata`;
    expect((await fetch(wado)).status).toBe(401);
    expect((await fetch(wado, { headers: bearer(CLINICIAN) })).status).toBe(403);
    // Health, metrics and OpenAPI stay open.
    for (const p of ['/health/live', '/health/ready', '/metrics', '/openapi.json']) {
      expect((await fetch(`${gw.url}${p}`)).status, p).toBe(200);
    }
  });

  it('metrics: STOW moves the received/bytes/latency series by exactly what was sent', async () => {
    const before = await metrics();
    const stored = 'ropline_instances_received_total{channel="stow",outcome="stored"}';
    const again = 'ropline_instances_received_total{channel="stow",outcome="already_stored"}';
    const failed = 'ropline_instances_received_total{channel="stow",outcome="failed"}';
    const bytes = 'ropline_bytes_received_total{channel="stow"}';
    const count = 'ropline_store_seconds_count{channel="stow"}';
    const s0 = metricValue(before, stored) ?? NaN;
    const b0 = metricValue(before, bytes) ?? NaN;
    const c0 = metricValue(before, count) ?? 0;
    expect(metricValue(before, 'ropline_instances_received_total{channel="dimse",outcome="stored"}')).toBe(0);
    const a = makeInstance();
    const b = makeInstance({ studyUid: a.studyUid });
    expect((await stow([a, b])).status).toBe(200);
    expect((await stow([a])).status).toBe(200);
    const after = await metrics();
    expect(metricValue(after, stored)).toBe(s0 + 2);
    expect(metricValue(after, again)).toBe((metricValue(before, again) ?? 0) + 1);
    expect(metricValue(after, failed)).toBe(metricValue(before, failed));
    expect(metricValue(after, bytes)).toBe(b0 + 2 * a.bytes.length + b.bytes.length);
    expect(metricValue(after, count)).toBe(c0 + 3);
    expect(after).toContain('# TYPE ropline_store_seconds histogram');
    expect(after).toContain('# TYPE ropline_queue_depth gauge');
    expect(after).toMatch(/^ropline_queue_depth\{queue="analyze-study"\} \d+$/m);
    expect(after).toContain('# TYPE ropline_analysis_seconds histogram');
    expect(after).toContain('# TYPE ropline_analysis_failures_total counter');
    // Own registry: prom-client's default process metrics are not mixed in.
    expect(after).not.toContain('process_cpu_seconds_total');
  });

  it('logs no planted PHI and no token after a full STOW + QIDO + WADO session', async () => {
    const a = makeInstance();
    const b = makeInstance({ studyUid: a.studyUid });
    expect((await stow([a, b])).status).toBe(200);
    const h = { ...bearer(SENDER) };
    const qido = await fetch(`${gw.url}/dicomweb/studies?PatientName=Secret%5EPatient&PatientID=PHI-ID-123`, {
      headers: { ...h, accept: 'application/dicom+json' },
    });
    expect([200, 204]).toContain(qido.status);
    const list = await fetch(`${gw.url}/dicomweb/studies/${a.studyUid}/instances?AccessionNumber=ACC-PHI-9`, {
      headers: { ...h, accept: 'application/dicom+json' },
    });
    expect([200, 204]).toContain(list.status);
    await list.arrayBuffer();
    const base = `${gw.url}/dicomweb/studies/${a.studyUid}/series/${a.seriesUid}/instances/${a.sopInstanceUid}`;
    const inst = await fetch(base, {
      headers: { ...h, accept: 'multipart/related; type="application/dicom"' },
    });
    expect(inst.status).toBe(200);
    expect(Buffer.from(await inst.arrayBuffer()).includes(Buffer.from('Secret^Patient'))).toBe(true);
    const meta = await fetch(`${base}/metadata`, { headers: { ...h, accept: 'application/dicom+json' } });
    expect(meta.status).toBe(200);
    expect(await meta.text()).toContain('Secret^Patient');
    // A bad request too (its error path logs).
    expect((await stow([makeInstance({ studyUid: '../../x' })])).status).toBeGreaterThanOrEqual(400);
    ctx.flush();
    const text = lines.join('');
    expect(lines.length).toBeGreaterThan(10);
    for (const l of lines) expect(() => JSON.parse(l) as unknown).not.toThrow();
    expect(text).toContain('"msg":"http request"');
    expect(text).toContain('"msg":"instance stored"');
    for (const phi of [...PLANTED_PHI, 'Secret%5EPatient', 'Secret', SENDER, CLINICIAN, ADMIN]) {
      expect(text, `log contains ${phi}`).not.toContain(phi);
    }
  });

  it('ready: 503 naming the queue, then the database, once they stop', async () => {
    await gw.analysis.queue.dispose();
    const q = await fetch(`${gw.url}/health/ready`);
    expect(q.status).toBe(503);
    expect(await q.json()).toMatchObject({ status: 'not-ready', notReady: ['queue'] });
    await gw.db.close();
    const d = await fetch(`${gw.url}/health/ready`);
    expect(d.status).toBe(503);
    expect(await d.json()).toMatchObject({ notReady: ['database', 'queue'] });
    expect((await fetch(`${gw.url}/health/live`)).status).toBe(200);
  });
});
