import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../create-gateway.js';
import { makeTempDir } from '../testing/temp-dir.util.js';
import { hasDcmtk, killTools, runTool } from './dimse.test-util.js';

const available = hasDcmtk();
if (!available) console.warn('SKIPPED dimse.gateway.spec: dcmtk echoscu is not installed');

describe.skipIf(!available)('createGateway starts and stops the DIMSE SCP', () => {
  let tmp: Awaited<ReturnType<typeof makeTempDir>>;
  let gw: Gateway;
  beforeAll(async () => {
    tmp = await makeTempDir('dimse-gw');
    gw = await createGateway({ port: 0, dataDir: `${tmp.dir}/gw`, dimse: { aeTitle: 'ROPGW' } });
  });
  afterAll(async () => {
    killTools();
    await gw?.close();
    await tmp?.remove();
  });

  it('answers C-ECHO on a free port with the configured AE title, and stops in close()', async () => {
    expect(gw.dimse).toMatchObject({ aeTitle: 'ROPGW' });
    const port = `${gw.dimse!.port}`;
    const ok = await runTool('/usr/bin/echoscu', ['-v', '-aec', 'ROPGW', '127.0.0.1', port]);
    expect([ok.code, ok.out]).toEqual([0, expect.stringContaining('Received Echo Response (Success)')]);
    await gw.close();
    const after = await runTool('/usr/bin/echoscu', ['-aec', 'ROPGW', '127.0.0.1', port]);
    expect(after.code).not.toBe(0);
  });
});
