// Test helpers: run the external validators (dciodvfy, dcmdump, dsrdump) on bytes; '@ropline/dicom/testing'.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { hasTool, withTempDir } from './external.tools.js';

export interface ToolRun {
  status: number | null;
  output: string;
}

/** Runs `tool file` on the bytes; null (with a visible warning) when the tool is not installed. */
export async function runOn(tool: string, bytes: Uint8Array, args: string[] = []): Promise<ToolRun | null> {
  if (!hasTool(tool)) {
    console.warn(`SKIPPED: ${tool} is not installed; this check did not run`);
    return null;
  }
  return withTempDir((dir) => {
    const file = path.join(dir, 'result.dcm');
    writeFileSync(file, bytes);
    const r = spawnSync(tool, [...args, file], { encoding: 'utf8', timeout: 30_000 });
    return { status: r.status, output: `${r.stdout ?? ''}${r.stderr ?? ''}` };
  });
}

/** dciodvfy's Error and Warning lines. */
export function dciodvfyFindings(output: string): { errors: string[]; warnings: string[] } {
  const lines = output.split('\n').map((l) => l.trim());
  return {
    errors: lines.filter((l) => /^Error/.test(l)),
    warnings: lines.filter((l) => /^Warning/.test(l)),
  };
}
