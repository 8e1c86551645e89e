import { labelComponents, simplifyClosedPolygon, traceOuterContour } from '@ropline/models/geometry';

/** Components smaller than this (pixels) are speckle, not a line. */
const MIN_AREA_PX = 4;

/**
 * The demarcation line(s) of a 0/255 mask as closed polylines in image coordinates, the way SR
 * SCOORD wants them: [x0, y0, x1, y1, ..., x0, y0] with x = column, y = row, (0,0) the top-left
 * corner of the top-left pixel, so a pixel's centre is at +0.5 (PS3.3 C.18.6.1.1).
 */
export function maskToPolylines(
  mask: Uint8Array,
  width: number,
  height: number,
  tolerancePx = 1.5,
): number[][] {
  const on = (i: number) => mask[i] !== 0;
  const { labels, components } = labelComponents(width, height, on);
  const out: number[][] = [];
  for (const c of components) {
    if (c.areaPx < MIN_AREA_PX) continue;
    const inside = (x: number, y: number) =>
      x >= 0 && y >= 0 && x < width && y < height && labels[y * width + x] === c.id;
    const contour = simplifyClosedPolygon(traceOuterContour(c.startX, c.startY, inside), tolerancePx);
    if (contour.length < 2) continue;
    const flat = contour.flatMap(([x, y]) => [x + 0.5, y + 0.5]);
    flat.push(flat[0], flat[1]);
    out.push(flat);
  }
  return out;
}
