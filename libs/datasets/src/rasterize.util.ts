/**
 * Region rasterisation onto a binary mask (one byte per pixel, 0 or 255). A pixel belongs to a
 * shape when its centre (x + 0.5, y + 0.5) lies inside it; polygons use the even-odd rule with a
 * scanline fill. Shapes are clipped to the image; callers learn how much fell outside.
 */
export interface RasterResult {
  /** Pixels set by this shape (inside the image). */
  pixels: number;
  /** True when part of the shape lies outside the image. */
  clipped: boolean;
}

export interface Mask {
  data: Uint8Array;
  width: number;
  height: number;
}

export function createMask(width: number, height: number): Mask {
  return { data: new Uint8Array(width * height), width, height };
}

function outside(mask: Mask, xs: readonly number[], ys: readonly number[]): boolean {
  return xs.some((x) => x < 0 || x > mask.width) || ys.some((y) => y < 0 || y > mask.height);
}

/** Fills pixels whose centre x is in [xa, xb) on row y. */
function span(mask: Mask, y: number, xa: number, xb: number): number {
  const from = Math.max(0, Math.ceil(xa - 0.5));
  const to = Math.min(mask.width, Math.ceil(xb - 0.5));
  let n = 0;
  const row = y * mask.width;
  for (let x = from; x < to; x++) {
    if (mask.data[row + x] === 0) n++;
    mask.data[row + x] = 255;
  }
  return n;
}

/** Even-odd scanline fill of a closed polygon (vertices in pixel coordinates, origin top-left). */
export function fillPolygon(mask: Mask, xs: readonly number[], ys: readonly number[]): RasterResult {
  const n = Math.min(xs.length, ys.length);
  const clipped = outside(mask, xs.slice(0, n), ys.slice(0, n));
  if (n < 3) return { pixels: 0, clipped };
  const minY = Math.max(0, Math.floor(Math.min(...ys.slice(0, n))));
  const maxY = Math.min(mask.height - 1, Math.ceil(Math.max(...ys.slice(0, n))));
  let pixels = 0;
  const hits: number[] = [];
  for (let y = minY; y <= maxY; y++) {
    const yc = y + 0.5;
    hits.length = 0;
    for (let i = 0, j = n - 1; i < n; j = i++) {
      const y0 = ys[j];
      const y1 = ys[i];
      // Half-open rule: an edge covers yc when min <= yc < max, so shared vertices count once.
      if (y0 <= yc !== y1 <= yc) {
        hits.push(xs[j] + ((yc - y0) / (y1 - y0)) * (xs[i] - xs[j]));
      }
    }
    hits.sort((a, b) => a - b);
    for (let k = 0; k + 1 < hits.length; k += 2) pixels += span(mask, y, hits[k], hits[k + 1]);
  }
  return { pixels, clipped };
}

/** Axis-aligned rectangle [x, x + w) x [y, y + h): integer input fills exactly w x h pixels. */
export function fillRect(mask: Mask, x: number, y: number, w: number, h: number): RasterResult {
  return fillPolygon(mask, [x, x + w, x + w, x], [y, y, y + h, y + h]);
}

/** Ellipse centred at (cx, cy) with radii rx, ry, rotated by theta radians. */
export function fillEllipse(
  mask: Mask,
  cx: number,
  cy: number,
  rx: number,
  ry: number,
  theta = 0,
): RasterResult {
  const r = Math.max(rx, ry);
  const clipped = cx - r < 0 || cy - r < 0 || cx + r > mask.width || cy + r > mask.height;
  if (!(rx > 0 && ry > 0)) return { pixels: 0, clipped };
  const cos = Math.cos(theta);
  const sin = Math.sin(theta);
  let pixels = 0;
  const y0 = Math.max(0, Math.floor(cy - r));
  const y1 = Math.min(mask.height - 1, Math.ceil(cy + r));
  const x0 = Math.max(0, Math.floor(cx - r));
  const x1 = Math.min(mask.width - 1, Math.ceil(cx + r));
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const dx = x + 0.5 - cx;
      const dy = y + 0.5 - cy;
      const u = (dx * cos + dy * sin) / rx;
      const v = (-dx * sin + dy * cos) / ry;
      if (u * u + v * v <= 1) {
        const k = y * mask.width + x;
        if (mask.data[k] === 0) pixels++;
        mask.data[k] = 255;
      }
    }
  }
  return { pixels, clipped };
}

/** An open polyline stroked `width` pixels wide (pixel centres within width / 2 of a segment). */
export function strokePolyline(
  mask: Mask,
  xs: readonly number[],
  ys: readonly number[],
  width: number,
): RasterResult {
  const n = Math.min(xs.length, ys.length);
  const half = width / 2;
  const clipped = outside(mask, xs.slice(0, n), ys.slice(0, n));
  let pixels = 0;
  for (let s = 0; s + 1 < n || (n === 1 && s === 0); s++) {
    const ax = xs[s];
    const ay = ys[s];
    const bx = n === 1 ? ax : xs[s + 1];
    const by = n === 1 ? ay : ys[s + 1];
    const xa = Math.max(0, Math.floor(Math.min(ax, bx) - half));
    const xb = Math.min(mask.width - 1, Math.ceil(Math.max(ax, bx) + half));
    const ya = Math.max(0, Math.floor(Math.min(ay, by) - half));
    const yb = Math.min(mask.height - 1, Math.ceil(Math.max(ay, by) + half));
    const dx = bx - ax;
    const dy = by - ay;
    const len2 = dx * dx + dy * dy;
    for (let y = ya; y <= yb; y++) {
      for (let x = xa; x <= xb; x++) {
        const px = x + 0.5 - ax;
        const py = y + 0.5 - ay;
        const t = len2 > 0 ? Math.min(1, Math.max(0, (px * dx + py * dy) / len2)) : 0;
        const ex = px - t * dx;
        const ey = py - t * dy;
        if (ex * ex + ey * ey <= half * half) {
          const k = y * mask.width + x;
          if (mask.data[k] === 0) pixels++;
          mask.data[k] = 255;
        }
      }
    }
  }
  return { pixels, clipped };
}

export function countOn(mask: { data: Uint8Array }): number {
  let n = 0;
  for (let i = 0; i < mask.data.length; i++) if (mask.data[i]) n++;
  return n;
}
