import { createHash } from 'node:crypto';

/**
 * A deterministic UID under the 2.25 root (PS3.5 B.2): "2.25." + the decimal value of the first
 * 128 bits of SHA-256 over the parts. Each part is length-prefixed ("<utf8 byte length>:<part>") so
 * ('ab','c') and ('a','bc') never collide. The decimal has no leading zero (PS3.5 9.1) and is at
 * most 39 digits, so the UID is at most 44 characters (limit 64). Same parts, same UID: a retried or
 * re-published result never creates a second object.
 */
export function deriveUid(...parts: string[]): string {
  const hash = createHash('sha256');
  hash.update('ropline-uid-v1');
  for (const part of parts) {
    const bytes = Buffer.from(part, 'utf8');
    hash.update(`${bytes.length}:`);
    hash.update(bytes);
  }
  const n = BigInt(`0x${hash.digest('hex').slice(0, 32)}`);
  // 0 would be a valid component but is astronomically unlikely; keep the root non-degenerate.
  return `2.25.${n === 0n ? 1n : n}`;
}
