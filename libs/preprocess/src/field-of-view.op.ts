import type { Image8 } from '@ropline/core';
import { convexHull, fillConvexPolygon, type Point } from './convex-hull.util.js';
import { assertImage8 } from './image-guard.util.js';

/** Working resolution of the detector: the longer side is block-averaged down to at most this. */
const WORK_SIZE = 256;

/**
 * Mask (1 channel, 255 inside, 0 outside) of the camera aperture: the bright, roughly circular
 * field of view of a RetCam / fundus frame on its black surround (possibly clipped by the frame
 * edges). Steps: brightness = max(R, G, B) (the red channel stays above black even where the fundus
 * is dark), block-averaged to <= 256 px (smoothing and speed); threshold at 12 % of the 98th
 * percentile (clamped to [8, 40] gray levels, above JPEG noise in the black); largest 4-connected
 * component (drops text and specks), grown into connected dim pixels down to a quarter of that
 * threshold (a dark periphery is dim but not black); the convex hull of the result (the
 * aperture is convex, so vessels, dark patches and holes inside it are filled back), drawn at full
 * resolution.
 * An image without any bright region gives an all-zero mask.
 */
export function fieldOfView(img: Image8): Image8 {
  assertImage8(img, 'fieldOfView input');
  const { width, height } = img;
  const f = Math.max(1, Math.ceil(Math.max(width, height) / WORK_SIZE));
  const sw = Math.ceil(width / f);
  const sh = Math.ceil(height / f);
  const small = blockBrightness(img, f, sw, sh);
  const threshold = pickThreshold(small);
  const component = growRegion(
    small,
    sw,
    largestComponent(small, sw, sh, threshold),
    Math.max(3, threshold / 4),
  );
  const points: Point[] = [];
  for (let y = 0; y < sh; y++) {
    let minX = -1;
    let maxX = -1;
    for (let x = 0; x < sw; x++) {
      if (component[y * sw + x] !== 0) {
        if (minX < 0) minX = x;
        maxX = x;
      }
    }
    if (minX < 0) continue;
    // Block centres in full-resolution coordinates; blocks on the frame edge extend to the edge.
    const yTop = y === 0 ? 0 : (y + 0.5) * f;
    const yBottom = y === sh - 1 ? height : Math.min(height, (y + 0.5) * f);
    const xl = minX === 0 ? 0 : (minX + 0.5) * f;
    const xr = maxX === sw - 1 ? width : Math.min(width, (maxX + 0.5) * f);
    points.push({ x: xl, y: yTop }, { x: xr, y: yTop }, { x: xl, y: yBottom }, { x: xr, y: yBottom });
  }
  const data = fillConvexPolygon(convexHull(points), width, height);
  return { data, width, height, channels: 1 };
}

/** Mean of max(R, G, B) (or the gray value) over f x f blocks; partial edge blocks average what they hold. */
function blockBrightness(img: Image8, f: number, sw: number, sh: number): Float64Array {
  const { width, height, data, channels } = img;
  const sum = new Float64Array(sw * sh);
  const count = new Float64Array(sw * sh);
  for (let y = 0; y < height; y++) {
    const by = ((y / f) | 0) * sw;
    for (let x = 0, i = y * width * channels; x < width; x++, i += channels) {
      const v = channels === 1 ? data[i] : Math.max(data[i], data[i + 1], data[i + 2]);
      const k = by + ((x / f) | 0);
      sum[k] += v;
      count[k]++;
    }
  }
  for (let k = 0; k < sum.length; k++) sum[k] /= count[k];
  return sum;
}

function pickThreshold(small: Float64Array): number {
  const sorted = Float64Array.from(small).sort();
  const p98 = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.98))];
  return Math.min(40, Math.max(8, 0.12 * p98));
}

/** The largest 4-connected set of pixels >= threshold, as a 0/1 mask (all 0 when there is none). */
function largestComponent(small: Float64Array, sw: number, sh: number, threshold: number): Uint8Array {
  const label = new Int32Array(sw * sh);
  const queue = new Int32Array(sw * sh);
  let best = 0;
  let bestSize = 0;
  let next = 0;
  for (let s = 0; s < small.length; s++) {
    if (small[s] < threshold || label[s] !== 0) continue;
    next++;
    let head = 0;
    let tail = 0;
    queue[tail++] = s;
    label[s] = next;
    while (head < tail) {
      const p = queue[head++];
      const x = p % sw;
      for (let k = 0; k < 4; k++) {
        const q =
          k === 0 ? (x > 0 ? p - 1 : -1) : k === 1 ? (x < sw - 1 ? p + 1 : -1) : k === 2 ? p - sw : p + sw;
        if (q >= 0 && q < small.length && label[q] === 0 && small[q] >= threshold) {
          label[q] = next;
          queue[tail++] = q;
        }
      }
    }
    if (tail > bestSize) {
      bestSize = tail;
      best = next;
    }
  }
  const out = new Uint8Array(sw * sh);
  if (best === 0) return out;
  for (let k = 0; k < out.length; k++) out[k] = label[k] === best ? 1 : 0;
  return out;
}

/** Adds to `seed` every pixel >= `low` that is 4-connected to it. */
function growRegion(small: Float64Array, sw: number, seed: Uint8Array, low: number): Uint8Array {
  const out = Uint8Array.from(seed);
  const queue = new Int32Array(small.length);
  let tail = 0;
  for (let k = 0; k < out.length; k++) if (out[k] !== 0) queue[tail++] = k;
  for (let head = 0; head < tail; head++) {
    const p = queue[head];
    const x = p % sw;
    for (let k = 0; k < 4; k++) {
      const q =
        k === 0 ? (x > 0 ? p - 1 : -1) : k === 1 ? (x < sw - 1 ? p + 1 : -1) : k === 2 ? p - sw : p + sw;
      if (q >= 0 && q < small.length && out[q] === 0 && small[q] >= low) {
        out[q] = 1;
        queue[tail++] = q;
      }
    }
  }
  return out;
}
