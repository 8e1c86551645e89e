/**
 * mulberry32: a 32-bit seeded PRNG, uniform in [0, 1). Deterministic across platforms (integer
 * ops only), which is all test fixtures need. (libs/preprocess has its own copy for augmentation;
 * libs/testing must not depend on the code it tests.)
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
