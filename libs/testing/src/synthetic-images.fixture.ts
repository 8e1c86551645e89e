import type { Image8 } from '@ropline/core';
import { mulberry32 } from '@ropline/core';

/** Uniform 8-bit noise, 1 channel. */
export function makeNoise(width: number, height: number, seed = 1): Image8 {
  const rnd = mulberry32(seed);
  const data = new Uint8Array(width * height);
  for (let i = 0; i < data.length; i++) data[i] = Math.floor(rnd() * 256);
  return { data, width, height, channels: 1 };
}

/**
 * A diagonal ramp plus mild noise, 1 channel: smooth, with long runs of equal values and an
 * uneven histogram (the cases where rounding ties and clipping show up).
 */
export function makeGradient(width: number, height: number, seed = 1, noise = 12): Image8 {
  const rnd = mulberry32(seed);
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const base = (180 * x) / Math.max(1, width - 1) + (60 * y) / Math.max(1, height - 1);
      const v = Math.round(base + (rnd() - 0.5) * noise);
      data[y * width + x] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
  }
  return { data, width, height, channels: 1 };
}

/** Every pixel `value`, 1 channel. */
export function makeConstant(width: number, height: number, value: number): Image8 {
  return { data: new Uint8Array(width * height).fill(value), width, height, channels: 1 };
}
