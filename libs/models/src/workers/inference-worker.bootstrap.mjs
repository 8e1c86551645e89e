// Worker-thread entry of the inference pool. A worker does not inherit the tsx hooks that the
// CLI (tools/cli/bin/rop.mjs) or vitest installed in the main thread, so it registers tsx itself
// and then runs the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./inference.worker.ts');
