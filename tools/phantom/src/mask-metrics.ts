import type { Image8 } from '@ropline/core';
import { resize } from '@ropline/preprocess';

/** Binary view of a mask: gray > threshold, or for RGB the given channel > threshold. */
export function binaryMask(img: Image8, channel = 1, threshold = 127): Uint8Array {
  const n = img.width * img.height;
  const out = new Uint8Array(n);
  const c = img.channels === 1 ? 0 : channel;
  for (let i = 0; i < n; i++) out[i] = img.data[i * img.channels + c] > threshold ? 1 : 0;
  return out;
}

/** Zhang-Suen thinning (in place on a copy); returns the 1-px skeleton. */
export function skeletonize(bin: Uint8Array, W: number, H: number): Uint8Array {
  const s = bin.slice();
  const del: number[] = [];
  let changed = true;
  while (changed) {
    changed = false;
    for (let pass = 0; pass < 2; pass++) {
      del.length = 0;
      for (let y = 1; y < H - 1; y++) {
        for (let x = 1; x < W - 1; x++) {
          const i = y * W + x;
          if (!s[i]) continue;
          const p2 = s[i - W],
            p3 = s[i - W + 1],
            p4 = s[i + 1],
            p5 = s[i + W + 1];
          const p6 = s[i + W],
            p7 = s[i + W - 1],
            p8 = s[i - 1],
            p9 = s[i - W - 1];
          const b = p2 + p3 + p4 + p5 + p6 + p7 + p8 + p9;
          if (b < 2 || b > 6) continue;
          const seq = [p2, p3, p4, p5, p6, p7, p8, p9, p2];
          let a = 0;
          for (let k = 0; k < 8; k++) if (!seq[k] && seq[k + 1]) a++;
          if (a !== 1) continue;
          if (pass === 0 ? p2 * p4 * p6 || p4 * p6 * p8 : p2 * p4 * p8 || p2 * p6 * p8) continue;
          del.push(i);
        }
      }
      for (const i of del) s[i] = 0;
      if (del.length) changed = true;
    }
  }
  return s;
}

/** Skeleton length in pixels: each 8-connected link counted once (1 orthogonal, √2 diagonal). */
export function skeletonLength(skel: Uint8Array, W: number, H: number): number {
  let len = 0;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      if (!skel[y * W + x]) continue;
      if (x + 1 < W && skel[y * W + x + 1]) len += 1;
      if (y + 1 < H && skel[(y + 1) * W + x]) len += 1;
      if (
        x + 1 < W &&
        y + 1 < H &&
        skel[(y + 1) * W + x + 1] &&
        !skel[y * W + x + 1] &&
        !skel[(y + 1) * W + x]
      )
        len += Math.SQRT2;
      if (x > 0 && y + 1 < H && skel[(y + 1) * W + x - 1] && !skel[y * W + x - 1] && !skel[(y + 1) * W + x])
        len += Math.SQRT2;
    }
  }
  return len;
}

export interface LineMetrics {
  /** Line pixels / all pixels. */
  fraction: number;
  /** Mean width in pixels: area / skeleton length (NaN for an empty mask). */
  width: number;
  area: number;
}

export function lineMetrics(bin: Uint8Array, W: number, H: number): LineMetrics {
  let area = 0;
  for (let i = 0; i < bin.length; i++) area += bin[i];
  if (!area) return { fraction: 0, width: NaN, area: 0 };
  const len = skeletonLength(skeletonize(bin, W, H), W, H);
  return { fraction: area / (W * H), width: area / Math.max(1, len), area };
}

export interface ColourStats {
  mean: [number, number, number];
  std: [number, number, number];
  fovFraction: number;
}

/** Mean and standard deviation of R, G, B inside the field of view (max channel > 20). */
export function colourStats(img: Image8): ColourStats {
  const s = [0, 0, 0];
  const q = [0, 0, 0];
  let n = 0;
  const N = img.width * img.height;
  for (let i = 0; i < N; i++) {
    const r = img.data[i * 3];
    const g = img.data[i * 3 + 1];
    const b = img.data[i * 3 + 2];
    if (Math.max(r, g, b) <= 20) continue;
    n++;
    s[0] += r;
    s[1] += g;
    s[2] += b;
    q[0] += r * r;
    q[1] += g * g;
    q[2] += b * b;
  }
  const mean = s.map((v) => v / Math.max(1, n)) as [number, number, number];
  const std = q.map((v, c) => Math.sqrt(Math.max(0, v / Math.max(1, n) - mean[c] ** 2))) as [
    number,
    number,
    number,
  ];
  return { mean, std, fovFraction: n / N };
}

/** Resizes each channel with the project's OpenCV-parity resize (INTER_AREA when shrinking). */
export function resizeImage(img: Image8, width: number, height: number): Image8 {
  if (img.channels === 1) return resize(img, width, height);
  const out = new Uint8Array(width * height * 3);
  for (let c = 0; c < 3; c++) {
    const ch = new Uint8Array(img.width * img.height);
    for (let i = 0; i < ch.length; i++) ch[i] = img.data[i * 3 + c];
    const r = resize({ data: ch, width: img.width, height: img.height, channels: 1 }, width, height);
    for (let i = 0; i < width * height; i++) out[i * 3 + c] = r.data[i];
  }
  return { data: out, width, height, channels: 3 };
}
