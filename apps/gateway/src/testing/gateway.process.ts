import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const ENTRY = fileURLToPath(new URL('./gateway.child.ts', import.meta.url));
const APP_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface GatewayProcess {
  url: string;
  dimsePort: number | null;
  child: ChildProcess;
  /** stderr so far (warn/error log lines). */
  output(): string;
  /** SIGKILL, then resolves when the process is gone. */
  kill9(): Promise<void>;
  /** SIGTERM (clean close), SIGKILL after 10 s. Safe to call twice and after kill9. */
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
const exited = (c: ChildProcess) =>
  c.exitCode !== null || c.signalCode !== null
    ? Promise.resolve()
    : new Promise<void>((r) => c.once('exit', () => r()));

/**
 * Starts src/testing/gateway.child.ts with `node --import tsx` (as tools/cli/bin/rop.mjs runs the
 * sources) and resolves with its URL once it printed it.
 */
export async function spawnGateway(config: unknown, timeoutMs = 60_000): Promise<GatewayProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY], {
    cwd: APP_ROOT,
    env: { ...process.env, ROPLINE_GATEWAY_CONFIG: JSON.stringify(config) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  child.once('exit', () => live.delete(child));
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const lines = createInterface({ input: child.stdout! });
  const info = await new Promise<{ url: string; dimsePort: number | null }>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`gateway child did not start: ${err.slice(-3000)}`)),
      timeoutMs,
    );
    lines.once('line', (l) => {
      clearTimeout(timer);
      resolve(JSON.parse(l) as { url: string; dimsePort: number | null });
    });
    child.once('exit', (code, sig) => {
      clearTimeout(timer);
      reject(new Error(`gateway child exited (${code ?? sig}): ${err.slice(-3000)}`));
    });
  });
  const kill9 = async () => {
    child.kill('SIGKILL');
    await exited(child);
  };
  return {
    ...info,
    child,
    output: () => err,
    kill9,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited(child);
      clearTimeout(timer);
    },
  };
}

/** SIGKILLs every gateway child still running (afterAll safety net). */
export async function killAllGateways(): Promise<void> {
  await Promise.all([...live].map((c) => (c.kill('SIGKILL'), exited(c))));
}
