import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Database } from '@ropline/db';
import { DEMO_PIPELINE_DIR } from '@ropline/gateway';

type ModelRef = { kind?: string; name?: string; version?: string };
type Size = { width: number; height: number };

async function inputOf(manifestPath: string, ref: ModelRef): Promise<Size | null> {
  try {
    const m = JSON.parse(await readFile(manifestPath, 'utf8')) as {
      name?: string;
      version?: string;
      input?: Size;
    };
    if (m.name !== ref.name || m.version !== ref.version || !m.input) return null;
    return { width: m.input.width, height: m.input.height };
  } catch {
    return null;
  }
}

/**
 * The segmenter's input size (the space of the stored line polygons), from the registry's copy of
 * its manifest or the demo model's; null when unknown (the SPA then starts a line from scratch).
 */
export function createSegmenterSpace(db: Database): (models: unknown) => Promise<Size | null> {
  const cache = new Map<string, Promise<Size | null>>();
  const resolve = async (ref: ModelRef): Promise<Size | null> => {
    const row = await db.prisma.registeredModel.findFirst({
      where: { kind: 'segmenter', name: ref.name, version: ref.version },
      select: { location: true },
    });
    return (
      (row ? await inputOf(path.join(row.location, 'manifest.json'), ref) : null) ??
      (await inputOf(path.join(DEMO_PIPELINE_DIR, 'segmenter', 'manifest.json'), ref))
    );
  };
  return (models) => {
    const ref = Array.isArray(models)
      ? (models as ModelRef[]).find((m) => m.kind === 'segmenter')
      : undefined;
    if (!ref?.name || !ref.version) return Promise.resolve(null);
    const key = `${ref.name}@${ref.version}`;
    if (!cache.has(key))
      cache.set(
        key,
        resolve(ref).catch(() => null),
      );
    return cache.get(key)!;
  };
}

/** Polygons at the segmenter's input size -> image pixel coordinates (pixel centres, 0.1 px). */
export function linesToImage(lines: unknown, from: Size, to: Size): [number, number][][] {
  if (!Array.isArray(lines)) return [];
  const sx = to.width / from.width;
  const sy = to.height / from.height;
  const r = (v: number) => Math.round(v * 10) / 10;
  return (lines as { polygon?: [number, number][] }[])
    .map((l) =>
      (l.polygon ?? []).map(
        ([x, y]) => [r((x + 0.5) * sx - 0.5), r((y + 0.5) * sy - 0.5)] as [number, number],
      ),
    )
    .filter((p) => p.length >= 2);
}
