import { describe, expect, it } from 'vitest';
import { deriveUid } from './uid.derive.js';

describe('deriveUid', () => {
  it('is a 2.25 UID of at most 64 characters without leading zeros', () => {
    for (const parts of [[], [''], ['a'], ['2.25.1', '1', '1.4.0', 'outline'], ['x'.repeat(1000)]]) {
      const uid = deriveUid(...parts);
      expect(uid).toMatch(/^2\.25\.[1-9]\d*$/);
      expect(uid.length).toBeLessThanOrEqual(64);
      expect(BigInt(uid.slice(5))).toBeLessThan(2n ** 128n);
    }
  });

  it('is deterministic and sensitive to every part', () => {
    expect(deriveUid('study', '1.4.0', 'overlay-series')).toBe(deriveUid('study', '1.4.0', 'overlay-series'));
    expect(deriveUid('study', '1.4.0')).not.toBe(deriveUid('study', '1.4.1'));
  });

  it('joins parts unambiguously (length-prefixed)', () => {
    expect(deriveUid('ab', 'c')).not.toBe(deriveUid('a', 'bc'));
    expect(deriveUid('a/b')).not.toBe(deriveUid('a', 'b'));
    expect(deriveUid('')).not.toBe(deriveUid());
  });

  it('matches an independently computed value (guards the scheme: published UIDs must not change)', () => {
    // Python: int(hashlib.sha256(b'ropline-uid-v1' + b'3:abc').hexdigest()[:32], 16)
    expect(deriveUid('abc')).toBe('2.25.41067045572573067163102764604100144524');
  });
});
