import type { OverlayStyle } from './results.types.js';

/**
 * Line colour: Okabe-Ito sky blue #56B4E9. A RetCam fundus is orange-red and the demarcation line
 * itself is whitish; yellow (#F0E442) would sit close to both in hue and lightness, while sky blue
 * is near-complementary to orange and stays distinct on the blue-yellow axis that protan and deutan
 * viewers keep. A black (Okabe-Ito) edge adds luminance contrast on bright ridges.
 */
export const LINE_RGB = [0x56, 0xb4, 0xe9] as const;
export const EDGE_RGB = [0x00, 0x00, 0x00] as const;
/** Opacity of the 'fill' style's tint over the mask interior. */
export const FILL_ALPHA = 0.4;

/**
 * Burns the mask into a copy of the RGB frame. 'outline': the mask's boundary (pixels with a
 * 4-neighbour outside the mask) widened by 1 px (3 px band) in LINE_RGB, with a 1 px EDGE_RGB rim
 * outside it. 'fill': additionally tints the interior with LINE_RGB at FILL_ALPHA. Pixels farther
 * than 2 px from the mask keep their source values. A null mask returns an unchanged copy.
 */
export function burnOverlay(
  rgb: Uint8Array,
  rows: number,
  columns: number,
  mask: Uint8Array | null,
  style: OverlayStyle,
): Uint8Array {
  const out = rgb.slice();
  if (!mask) return out;
  const n = rows * columns;
  const inMask = (i: number) => mask[i] !== 0;
  const boundary = new Uint8Array(n);
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < columns; x++) {
      const i = y * columns + x;
      if (!inMask(i)) continue;
      const edge =
        x === 0 ||
        y === 0 ||
        x === columns - 1 ||
        y === rows - 1 ||
        !inMask(i - 1) ||
        !inMask(i + 1) ||
        !inMask(i - columns) ||
        !inMask(i + columns);
      if (edge) boundary[i] = 1;
    }
  }
  const line = dilate(boundary, rows, columns);
  const rim = dilate(line, rows, columns);
  for (let i = 0; i < n; i++) {
    if (line[i]) paint(out, i, LINE_RGB, 1);
    else if (style === 'fill' && inMask(i)) paint(out, i, LINE_RGB, FILL_ALPHA);
    else if (rim[i] && !inMask(i)) paint(out, i, EDGE_RGB, 1);
  }
  return out;
}

/** 3x3 dilation of a 0/1 map. */
function dilate(src: Uint8Array, rows: number, columns: number): Uint8Array {
  const out = new Uint8Array(src.length);
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < columns; x++) {
      if (!src[y * columns + x]) continue;
      for (let dy = -1; dy <= 1; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= rows) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          if (xx >= 0 && xx < columns) out[yy * columns + xx] = 1;
        }
      }
    }
  }
  return out;
}

function paint(rgb: Uint8Array, pixel: number, colour: readonly number[], alpha: number): void {
  for (let c = 0; c < 3; c++) {
    const at = pixel * 3 + c;
    rgb[at] = Math.round(alpha * colour[c] + (1 - alpha) * rgb[at]);
  }
}
