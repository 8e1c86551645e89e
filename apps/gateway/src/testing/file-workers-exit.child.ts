/**
 * Uses the shared file workers twice, then returns: the process must exit by itself (no worker
 * left ref'd). blob-store.durability.spec.ts runs it with `node --import tsx`.
 */
import os from 'node:os';
import { fileWorkers } from '../blob/file-workers.js';

await fileWorkers.syncDir(os.tmpdir());
await fileWorkers.syncDir(os.tmpdir());
process.stdout.write('synced\n');
