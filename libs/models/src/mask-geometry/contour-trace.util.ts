/**
 * Outer boundary of one connected component by Moore-neighbour tracing (8-connectivity) with
 * Jacob's stopping criterion. Vertices are pixel centres [x, y] (x right, y down), listed clockwise
 * as seen on screen; holes are ignored. Pure code, no tfjs.
 */

/** Moore neighbourhood, clockwise on screen (y down) starting West. */
const RING: readonly (readonly [number, number])[] = [
  [-1, 0],
  [-1, -1],
  [0, -1],
  [1, -1],
  [1, 0],
  [1, 1],
  [0, 1],
  [-1, 1],
];

function ringIndex(dx: number, dy: number): number {
  for (let i = 0; i < 8; i++) if (RING[i][0] === dx && RING[i][1] === dy) return i;
  throw new Error(`not a Moore neighbour offset: ${dx},${dy}`);
}

/**
 * Traces the component whose pixels satisfy `inside(x, y)`, starting at its first pixel in raster
 * order (`startX`, `startY`: topmost, then leftmost), so the West neighbour is known to be outside.
 * Thin (1 px) parts are walked out and back, so a pixel may appear twice: that is the boundary of
 * a zero-width region. Returns [[startX, startY]] for an isolated pixel.
 */
export function traceOuterContour(
  startX: number,
  startY: number,
  inside: (x: number, y: number) => boolean,
): [number, number][] {
  const contour: [number, number][] = [[startX, startY]];
  let px = startX;
  let py = startY;
  let back = 0; // ring index of the last outside pixel seen from p: West of the start pixel
  let firstMove: [number, number] | null = null;
  // A contour visits each boundary pixel at most 4 times; this bound only guards against a bug.
  for (let guard = 0; guard < 1 << 26; guard++) {
    let found = -1;
    for (let k = 1; k <= 8; k++) {
      const d = (back + k) % 8;
      if (inside(px + RING[d][0], py + RING[d][1])) {
        found = d;
        break;
      }
    }
    if (found < 0) return contour; // isolated pixel
    const nx = px + RING[found][0];
    const ny = py + RING[found][1];
    // Jacob's criterion: stop when the start pixel is left the same way as the first time.
    if (px === startX && py === startY) {
      if (firstMove && firstMove[0] === nx && firstMove[1] === ny) break;
      firstMove ??= [nx, ny];
    }
    // The ring neighbour scanned just before `found` was outside; express it relative to the new p.
    const prev = (found + 7) % 8;
    back = ringIndex(px + RING[prev][0] - nx, py + RING[prev][1] - ny);
    px = nx;
    py = ny;
    contour.push([px, py]);
  }
  // The walk closes on the start pixel, which is already the first vertex.
  contour.pop();
  return contour;
}

/** Twice the signed area (shoelace); > 0 means clockwise on screen (y down). */
export function signedArea2(polygon: readonly (readonly [number, number])[]): number {
  let s = 0;
  for (let i = 0; i < polygon.length; i++) {
    const [x0, y0] = polygon[i];
    const [x1, y1] = polygon[(i + 1) % polygon.length];
    s += x0 * y1 - x1 * y0;
  }
  return s;
}
