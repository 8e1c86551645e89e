/** A point in pixel-edge coordinates (x to the right, y down; pixel (i, j) covers [i, i+1) x [j, j+1)). */
export interface Point {
  x: number;
  y: number;
}

function cross(o: Point, a: Point, b: Point): number {
  return (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x);
}

/** Andrew's monotone chain; returns the hull without collinear points, counter-clockwise. */
export function convexHull(points: readonly Point[]): Point[] {
  const p = [...points].sort((a, b) => a.x - b.x || a.y - b.y);
  if (p.length < 3) return p;
  const lower: Point[] = [];
  for (const q of p) {
    while (lower.length >= 2 && cross(lower[lower.length - 2], lower[lower.length - 1], q) <= 0) lower.pop();
    lower.push(q);
  }
  const upper: Point[] = [];
  for (let i = p.length - 1; i >= 0; i--) {
    const q = p[i];
    while (upper.length >= 2 && cross(upper[upper.length - 2], upper[upper.length - 1], q) <= 0) upper.pop();
    upper.push(q);
  }
  lower.pop();
  upper.pop();
  return lower.concat(upper);
}

/**
 * Fills a convex polygon into a 0/255 mask: a pixel is inside when its centre (x + 0.5, y + 0.5)
 * lies within the polygon's horizontal extent on that row.
 */
export function fillConvexPolygon(hull: readonly Point[], width: number, height: number): Uint8Array {
  const mask = new Uint8Array(width * height);
  if (hull.length < 3) return mask;
  for (let y = 0; y < height; y++) {
    const cy = y + 0.5;
    let left = Infinity;
    let right = -Infinity;
    for (let k = 0; k < hull.length; k++) {
      const a = hull[k];
      const b = hull[(k + 1) % hull.length];
      if ((a.y <= cy && b.y >= cy) || (b.y <= cy && a.y >= cy)) {
        const x = a.y === b.y ? Math.min(a.x, b.x) : a.x + ((cy - a.y) * (b.x - a.x)) / (b.y - a.y);
        const x2 = a.y === b.y ? Math.max(a.x, b.x) : x;
        if (x < left) left = x;
        if (x2 > right) right = x2;
      }
    }
    if (left > right) continue;
    const x0 = Math.max(0, Math.ceil(left - 0.5));
    const x1 = Math.min(width - 1, Math.floor(right - 0.5));
    if (x1 >= x0) mask.fill(255, y * width + x0, y * width + x1 + 1);
  }
  return mask;
}
