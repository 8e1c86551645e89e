import { mulberry32 } from '@ropline/core';

/** FNV-1a over the parts' text: a stable 32-bit seed for one (seed, infant, eye, view, purpose) stream. */
export function streamSeed(...parts: (string | number)[]): number {
  let h = 0x811c9dc5;
  const s = parts.join('/');
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  // murmur3 fmix32: FNV of near-identical keys differs in few bits, and mulberry32's first draws
  // from such seeds are correlated (every infant got the same device); the finalizer decorrelates.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** An independent, deterministic mulberry32 stream per purpose, so images can be rendered in any order. */
export function stream(...parts: (string | number)[]): () => number {
  return mulberry32(streamSeed(...parts));
}

/** Uniform in [a, b). */
export function uniform(rnd: () => number, a: number, b: number): number {
  return a + (b - a) * rnd();
}

/** Approximately standard normal (Irwin-Hall with 4 draws, scaled). */
export function gauss(rnd: () => number): number {
  return (rnd() + rnd() + rnd() + rnd() - 2) * 1.7320508;
}

function hash2(ix: number, iy: number, seed: number): number {
  let h = Math.imul(ix, 0x27d4eb2d) ^ Math.imul(iy, 0x165667b1) ^ seed;
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}

/** Smooth value noise in [-1, 1] on a unit lattice (no state: same inputs, same value). */
export function valueNoise(x: number, y: number, seed: number): number {
  const ix = Math.floor(x);
  const iy = Math.floor(y);
  const fx = x - ix;
  const fy = y - iy;
  const sx = fx * fx * (3 - 2 * fx);
  const sy = fy * fy * (3 - 2 * fy);
  const a = hash2(ix, iy, seed);
  const b = hash2(ix + 1, iy, seed);
  const c = hash2(ix, iy + 1, seed);
  const d = hash2(ix + 1, iy + 1, seed);
  return 2 * (a + (b - a) * sx + (c - a) * sy + (a - b - c + d) * sx * sy) - 1;
}

/** Fractal noise: `octaves` of value noise, each twice the frequency and half the amplitude. */
export function fbm(x: number, y: number, seed: number, octaves = 3): number {
  let sum = 0;
  let amp = 1;
  let norm = 0;
  for (let o = 0; o < octaves; o++) {
    sum += amp * valueNoise(x, y, (seed + o * 0x9e3779b9) | 0);
    norm += amp;
    amp *= 0.5;
    x *= 2;
    y *= 2;
  }
  return sum / norm;
}
