/** Okabe-Ito colours (colour-blind safe): fill sky blue, outline yellow, edited line vermillion. */
export const FILL_RGBA = [0x56, 0xb4, 0xe9, 115] as const;
export const OUTLINE_RGBA = [0xf0, 0xe4, 0x42, 255] as const;
export const LINE_COLOUR = '#D55E00';

export type OverlayMode = 'off' | 'outline' | 'fill';

/**
 * Colours a 0/255 mask (RGBA pixels, red channel read) for drawing over the image: `fill` paints
 * every mask pixel translucent sky blue plus the outline; `outline` only the mask pixels with a
 * 4-neighbour outside the mask (or on the border).
 */
export function colourMask(
  mask: Uint8ClampedArray,
  width: number,
  height: number,
  mode: OverlayMode,
): Uint8ClampedArray {
  const out = new Uint8ClampedArray(width * height * 4);
  if (mode === 'off') return out;
  const on = (x: number, y: number) =>
    x >= 0 && y >= 0 && x < width && y < height && mask[(y * width + x) * 4] > 127;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!on(x, y)) continue;
      const edge = !on(x - 1, y) || !on(x + 1, y) || !on(x, y - 1) || !on(x, y + 1);
      const c = edge ? OUTLINE_RGBA : mode === 'fill' ? FILL_RGBA : null;
      if (!c) continue;
      out.set(c, (y * width + x) * 4);
    }
  }
  return out;
}
