import type { GatewayConfigInput } from '../config/gateway.config.js';

/**
 * The config a gateway under test starts with: an ephemeral loopback port, `dataDir` (a temp dir
 * from makeTempDir), no free-disk floor (CI disks vary), DIMSE off; `over` on top, its `limits`
 * merged into these rather than replacing them.
 */
export function testGatewayConfig(dataDir: string, over: GatewayConfigInput = {}): GatewayConfigInput {
  return {
    port: 0,
    dataDir,
    dimse: { enabled: false },
    ...over,
    limits: { minFreeDiskBytes: 0, ...over.limits },
  };
}
