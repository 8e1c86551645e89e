/**
 * Connected components of a binary raster, 8-connectivity (a diagonal step joins two pixels, as a
 * thin oblique demarcation line needs). Pure typed-array code, no tfjs.
 * Coordinates: x right, y down, origin top-left; `index = y * width + x`.
 */

export interface ComponentStats {
  /** Component id as written in `labels` (1-based, raster order of each component's first pixel). */
  id: number;
  areaPx: number;
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
  /** First pixel in raster order: the topmost, then leftmost pixel (contour tracing starts here). */
  startX: number;
  startY: number;
}

export interface ComponentLabels {
  /** 0 = background, else the component id; width*height, row-major. */
  labels: Int32Array;
  components: ComponentStats[];
}

/** The 8 neighbour offsets. */
const NEIGHBOURS: readonly (readonly [number, number])[] = [
  [-1, -1],
  [0, -1],
  [1, -1],
  [-1, 0],
  [1, 0],
  [-1, 1],
  [0, 1],
  [1, 1],
];

/**
 * Labels the pixels where `isForeground(index)` holds. Flood fill with an explicit stack (no
 * recursion: a 299 x 299 line can hold ~10^4 pixels), O(width * height).
 */
export function labelComponents(
  width: number,
  height: number,
  isForeground: (index: number) => boolean,
): ComponentLabels {
  const n = width * height;
  const labels = new Int32Array(n);
  const components: ComponentStats[] = [];
  const stack = new Int32Array(n);
  for (let start = 0; start < n; start++) {
    if (labels[start] !== 0 || !isForeground(start)) continue;
    const id = components.length + 1;
    const sx = start % width;
    const sy = (start - sx) / width;
    const c: ComponentStats = {
      id,
      areaPx: 0,
      minX: sx,
      minY: sy,
      maxX: sx,
      maxY: sy,
      startX: sx,
      startY: sy,
    };
    let top = 0;
    stack[top++] = start;
    labels[start] = id;
    while (top > 0) {
      const p = stack[--top];
      const x = p % width;
      const y = (p - x) / width;
      c.areaPx++;
      if (x < c.minX) c.minX = x;
      if (x > c.maxX) c.maxX = x;
      if (y < c.minY) c.minY = y;
      if (y > c.maxY) c.maxY = y;
      for (const [dx, dy] of NEIGHBOURS) {
        const nx = x + dx;
        const ny = y + dy;
        if (nx < 0 || ny < 0 || nx >= width || ny >= height) continue;
        const q = ny * width + nx;
        if (labels[q] === 0 && isForeground(q)) {
          labels[q] = id;
          stack[top++] = q;
        }
      }
    }
    components.push(c);
  }
  return { labels, components };
}
