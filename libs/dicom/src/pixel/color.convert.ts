/**
 * Colour-space helpers on 8-bit interleaved data. Coordinates: row-major, pixel-interleaved.
 */

// YBR_FULL -> RGB, PS3.3 C.7.6.3.1.2 (full range, Cb/Cr centred on 128):
//   R = Y + 1.402 (Cr - 128)
//   G = Y - 0.344136 (Cb - 128) - 0.714136 (Cr - 128)
//   B = Y + 1.772 (Cb - 128)
// Results are rounded half up and clamped to 0..255 (pydicom's convert_color_space does the same).
const CR_R = new Float64Array(256);
const CB_G = new Float64Array(256);
const CR_G = new Float64Array(256);
const CB_B = new Float64Array(256);
for (let i = 0; i < 256; i++) {
  CR_R[i] = 1.402 * (i - 128) + 0.5;
  CB_G[i] = -0.344136 * (i - 128) + 0.5;
  CR_G[i] = -0.714136 * (i - 128);
  CB_B[i] = 1.772 * (i - 128) + 0.5;
}

function clamp8(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/** In place: interleaved Y Cb Cr -> R G B. */
export function ybrFullToRgb(data: Uint8Array): Uint8Array {
  for (let i = 0; i < data.length; i += 3) {
    const y = data[i];
    const cb = data[i + 1];
    const cr = data[i + 2];
    data[i] = clamp8(Math.floor(y + CR_R[cr]));
    data[i + 1] = clamp8(Math.floor(y + CB_G[cb] + CR_G[cr]));
    data[i + 2] = clamp8(Math.floor(y + CB_B[cb]));
  }
  return data;
}

/**
 * Native YBR_FULL_422 (PS3.3 C.7.6.3.1.2): each horizontal pair of pixels is stored as Y1 Y2 Cb Cr,
 * the pair sharing one chroma sample. Expands to interleaved Y Cb Cr per pixel (chroma replicated,
 * as pydicom and dcmtk do). An odd last column uses the first luma of its (padded) pair.
 */
export function expandYbr422(src: Uint8Array, rows: number, columns: number): Uint8Array {
  const pairs = Math.ceil(columns / 2);
  const out = new Uint8Array(rows * columns * 3);
  for (let y = 0; y < rows; y++) {
    for (let p = 0; p < pairs; p++) {
      const s = (y * pairs + p) * 4;
      const cb = src[s + 2];
      const cr = src[s + 3];
      const x = p * 2;
      let o = (y * columns + x) * 3;
      out[o] = src[s];
      out[o + 1] = cb;
      out[o + 2] = cr;
      if (x + 1 < columns) {
        o += 3;
        out[o] = src[s + 1];
        out[o + 1] = cb;
        out[o + 2] = cr;
      }
    }
  }
  return out;
}

/** Planar (all C0, all C1, all C2) -> interleaved, for any element type. */
export function interleave<T extends { length: number; [i: number]: number }>(
  src: T,
  pixels: number,
  components: number,
  make: (n: number) => T,
): T {
  const out = make(pixels * components);
  for (let c = 0; c < components; c++) {
    const plane = c * pixels;
    for (let i = 0; i < pixels; i++) out[i * components + c] = src[plane + i];
  }
  return out;
}
