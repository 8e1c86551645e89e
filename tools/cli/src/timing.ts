/** Timing helpers for benchmarks: warm up, then time `runs` calls; report best and median (ms). */
export interface Timing {
  bestMs: number;
  medianMs: number;
  runs: number;
}

export async function timeIt(
  fn: () => unknown,
  runs: number,
  warmup = 2,
  onRun?: () => void,
): Promise<Timing> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
    onRun?.();
  }
  times.sort((a, b) => a - b);
  return { bestMs: times[0], medianMs: times[Math.floor(times.length / 2)], runs };
}

/** Renders rows as a GitHub-flavoured Markdown table (what goes into the README). */
export function markdownTable(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
