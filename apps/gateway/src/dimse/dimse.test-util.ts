import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

/** dcmtk tools the DIMSE specs drive (Debian `dcmtk`). */
export const hasDcmtk = (): boolean =>
  ['/usr/bin/echoscu', '/usr/bin/storescu', '/usr/bin/dcmcjpeg'].every((p) => existsSync(p));

export interface ToolRun {
  code: number | null;
  out: string;
}

const children = new Set<ReturnType<typeof spawn>>();

/** Runs a dcmtk tool with TCP_NODELAY=1 (no Nagle wait per C-STORE); output = stdout + stderr. */
export function runTool(bin: string, args: string[], timeoutMs = 30_000): Promise<ToolRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, {
      env: { ...process.env, TCP_NODELAY: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(child);
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code, out });
    });
  });
}

/** Kills tools still running (afterAll). */
export function killTools(): void {
  for (const c of children) c.kill('SIGKILL');
  children.clear();
}

/** Offset of the data set in a Part-10 file: after preamble, "DICM" and the (0002,0000)-counted group. */
export function datasetOffset(file: Uint8Array): number {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  return 132 + 12 + view.getUint32(140, true);
}
