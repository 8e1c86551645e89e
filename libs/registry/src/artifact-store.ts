import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { RopError } from '@ropline/core';
import { inspectArtifact, type InspectedArtifact } from './artifact-inspect.js';

const SHA256 = /^[0-9a-f]{64}$/;

/** `<storeDir>/<sha256>`: content-addressed, never a path built from a user-supplied string. */
export function storePath(storeDir: string, sha: string): string {
  if (!SHA256.test(sha)) throw new RopError('REGISTRY.INVALID_SHA256', `not a sha256: ${sha.slice(0, 80)}`);
  return path.join(path.resolve(storeDir), sha);
}

/**
 * Copies exactly the artifact's pinned files into the store: staging dir, re-verify the copy (the
 * source may change while we copy), then rename into place. An existing entry is reused.
 */
export async function copyIntoStore(
  storeDir: string,
  srcDir: string,
  artifact: InspectedArtifact,
): Promise<string> {
  const target = storePath(storeDir, artifact.sha256);
  if (
    await stat(target).then(
      () => true,
      () => false,
    )
  ) {
    const stored = await inspectArtifact(target).catch(() => null);
    if (stored?.sha256 !== artifact.sha256) {
      throw new RopError(
        'REGISTRY.STORE_CORRUPTED',
        `The registry store entry ${target} no longer matches its sha256: restore it from a backup or remove it and register again`,
      );
    }
    return target;
  }
  await mkdir(path.resolve(storeDir), { recursive: true });
  const staging = path.join(path.resolve(storeDir), `.staging-${randomBytes(6).toString('hex')}`);
  try {
    for (const rel of artifact.files) {
      const dest = path.join(staging, rel);
      await mkdir(path.dirname(dest), { recursive: true });
      await copyFile(path.join(srcDir, rel), dest);
    }
    const copy = await inspectArtifact(staging);
    if (copy.sha256 !== artifact.sha256) {
      throw new RopError(
        'REGISTRY.SOURCE_CHANGED',
        `${srcDir} changed while it was being registered (sha256 ${artifact.sha256.slice(0, 12)}… became ${copy.sha256.slice(0, 12)}…); try again`,
      );
    }
    try {
      await rename(staging, target);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw e;
      // Another registration of the same content won the race: its copy is identical.
    }
    return target;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
