/**
 * Douglas–Peucker simplification of a closed polygon (pixel coordinates). Iterative (explicit
 * stack), so long contours cannot overflow the call stack. Pure code, no tfjs.
 */

type Point = readonly [number, number];

/** Distance from p to the segment a-b (to a itself when a = b), in pixels. */
export function distanceToSegment(p: Point, a: Point, b: Point): number {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const len2 = dx * dx + dy * dy;
  let t = len2 === 0 ? 0 : ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2;
  t = Math.max(0, Math.min(1, t));
  return Math.hypot(p[0] - (a[0] + t * dx), p[1] - (a[1] + t * dy));
}

/** Marks in `keep` the points of the open chain points[first..last] that Douglas–Peucker retains. */
function markChain(
  points: readonly Point[],
  first: number,
  last: number,
  tolerance: number,
  keep: Uint8Array,
) {
  keep[first] = 1;
  keep[last] = 1;
  const stack: [number, number][] = [[first, last]];
  while (stack.length > 0) {
    const [a, b] = stack.pop() as [number, number];
    let worst = -1;
    let worstDist = tolerance;
    for (let i = a + 1; i < b; i++) {
      const d = distanceToSegment(points[i], points[a], points[b]);
      if (d > worstDist) {
        worst = i;
        worstDist = d;
      }
    }
    if (worst >= 0) {
      keep[worst] = 1;
      stack.push([a, worst], [worst, b]);
    }
  }
}

/**
 * Simplifies a closed polygon given without its closing vertex; vertex order (orientation) and the
 * first vertex are kept. The polygon is split at the vertex farthest from the first one and each
 * half simplified as an open chain, so the result does not depend on a fake closing edge.
 */
export function simplifyClosedPolygon(polygon: readonly Point[], tolerance: number): [number, number][] {
  const n = polygon.length;
  if (n <= 3) return polygon.map((p) => [p[0], p[1]]);
  let far = 0;
  let farDist = -1;
  for (let i = 1; i < n; i++) {
    const d = Math.hypot(polygon[i][0] - polygon[0][0], polygon[i][1] - polygon[0][1]);
    if (d > farDist) {
      far = i;
      farDist = d;
    }
  }
  // Close the ring explicitly for the second half: points[n] = points[0].
  const ring = [...polygon, polygon[0]];
  const keep = new Uint8Array(n + 1);
  markChain(ring, 0, far, tolerance, keep);
  markChain(ring, far, n, tolerance, keep);
  const out: [number, number][] = [];
  for (let i = 0; i < n; i++) if (keep[i]) out.push([polygon[i][0], polygon[i][1]]);
  return out;
}
