import type { Image8 } from '@ropline/core';
import { mulberry32 } from '@ropline/core';

export interface FundusLikeInfo {
  /** Aperture centre and radius in pixels (the circle may be clipped by the image edges). */
  cx: number;
  cy: number;
  radius: number;
}

/**
 * Geometry of the synthetic aperture for a given size and seed (same draws as `makeFundusLike`),
 * so tests can check a field-of-view detector against the truth.
 */
export function fundusLikeGeometry(width: number, height: number, seed: number): FundusLikeInfo {
  const rnd = mulberry32(seed);
  const m = Math.min(width, height);
  return {
    cx: width / 2 + (rnd() - 0.5) * 0.06 * m,
    cy: height / 2 + (rnd() - 0.5) * 0.06 * m,
    // RetCam frames often clip the aperture at the top and bottom: radius up to 0.56 of the short side.
    radius: m * (0.42 + 0.14 * rnd()),
  };
}

/**
 * A deterministic RetCam-like RGB frame: a circular field of view on a noisy black surround, an
 * orange-red fundus with a vignetted, tilted illumination gradient, a bright optic disc, darker
 * curved vessels branching from it, and pixel noise. Good enough to exercise preprocessing and
 * field-of-view detection; not a model of pathology.
 */
export function makeFundusLike(width: number, height: number, seed = 1): Image8 {
  const { cx, cy, radius } = fundusLikeGeometry(width, height, seed);
  const rnd = mulberry32((seed ^ 0x9e3779b9) >>> 0);
  const m = Math.min(width, height);
  const shade = new Float32Array(width * height);
  // Vessels: quadratic Bezier curves from the disc outwards, stamped as soft discs into `shade`.
  const discX = cx + (rnd() - 0.5) * radius * 0.6;
  const discY = cy + (rnd() - 0.5) * radius * 0.4;
  const discR = radius * (0.1 + 0.04 * rnd());
  const vessels = 10 + Math.floor(rnd() * 6);
  for (let v = 0; v < vessels; v++) {
    const angle = (2 * Math.PI * (v + rnd() * 0.6)) / vessels;
    const len = radius * (0.9 + 0.8 * rnd());
    const bend = (rnd() - 0.5) * 1.2;
    const x2 = discX + Math.cos(angle) * len;
    const y2 = discY + Math.sin(angle) * len;
    const x1 = discX + Math.cos(angle + bend) * len * 0.5;
    const y1 = discY + Math.sin(angle + bend) * len * 0.5;
    const w0 = Math.max(1, m * (0.004 + 0.004 * rnd()));
    const steps = Math.ceil(len * 2);
    for (let s = 0; s <= steps; s++) {
      const t = s / steps;
      const px = (1 - t) * (1 - t) * discX + 2 * (1 - t) * t * x1 + t * t * x2;
      const py = (1 - t) * (1 - t) * discY + 2 * (1 - t) * t * y1 + t * t * y2;
      const r = w0 * (1 - 0.6 * t);
      stamp(shade, width, height, px, py, r);
    }
  }
  const data = new Uint8Array(width * height * 3);
  const gx = (rnd() - 0.5) * 0.5;
  const gy = (rnd() - 0.5) * 0.5;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      const noise = (rnd() + rnd() + rnd() - 1.5) * 6;
      const dx = x - cx;
      const dy = y - cy;
      const rr = Math.sqrt(dx * dx + dy * dy) / radius;
      if (rr > 1) {
        const black = Math.max(0, Math.round(2 + noise / 3));
        data[o] = black;
        data[o + 1] = black;
        data[o + 2] = black;
        continue;
      }
      // Vignetting: the periphery of a RetCam image is much darker than the centre.
      const light = (1 - 0.65 * rr * rr * rr) * (1 + (gx * dx + gy * dy) / radius);
      const dd = Math.hypot(x - discX, y - discY) / discR;
      const disc = dd < 1.5 ? Math.exp(-dd * dd * 1.5) : 0;
      const vessel = 1 - 0.45 * Math.min(1, shade[y * width + x]);
      data[o] = clamp8((205 * light + 50 * disc) * vessel + noise);
      data[o + 1] = clamp8((95 * light + 120 * disc) * vessel * vessel + noise);
      data[o + 2] = clamp8((45 * light + 90 * disc) * vessel + noise);
    }
  }
  return { data, width, height, channels: 3 };
}

function clamp8(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
}

function stamp(shade: Float32Array, width: number, height: number, px: number, py: number, r: number): void {
  const x0 = Math.max(0, Math.floor(px - r - 1));
  const x1 = Math.min(width - 1, Math.ceil(px + r + 1));
  const y0 = Math.max(0, Math.floor(py - r - 1));
  const y1 = Math.min(height - 1, Math.ceil(py + r + 1));
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const d = Math.hypot(x - px, y - py);
      const v = d < r ? 1 : d < r + 1 ? r + 1 - d : 0;
      const i = y * width + x;
      if (v > shade[i]) shade[i] = v;
    }
  }
}
