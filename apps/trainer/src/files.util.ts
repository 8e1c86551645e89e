import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { RopError } from '@ropline/core';

/** Resolves a dataset-relative path from items.csv, refusing anything that escapes the dataset folder. */
export function insideDataset(dir: string, rel: string): string {
  const abs = path.resolve(dir, rel);
  if (!abs.startsWith(path.resolve(dir) + path.sep))
    throw new RopError('DATASET.INVALID', `items.csv names a file outside the dataset: ${rel}`);
  return abs;
}

/** Writes report files so that a reader never sees half of one (temp file + rename). */
export async function writeFilesAtomically(dir: string, files: Record<string, string>): Promise<void> {
  for (const [name, body] of Object.entries(files)) {
    const tmp = path.join(dir, `.${name}.tmp`);
    await writeFile(tmp, body);
    await rename(tmp, path.join(dir, name));
  }
}
