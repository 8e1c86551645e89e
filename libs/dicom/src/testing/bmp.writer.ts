/**
 * A 24-bit BMP (BITMAPINFOHEADER, bottom-up rows of B G R padded to 4 bytes) from interleaved RGB,
 * so tests can feed dcmtk's img2dcm (which reads only JPEG and BMP) an exactly known image.
 */
export function writeBmp24(rgb: Uint8Array, width: number, height: number): Uint8Array {
  const stride = Math.ceil((width * 3) / 4) * 4;
  const size = 54 + stride * height;
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  out[0] = 0x42; // 'B'
  out[1] = 0x4d; // 'M'
  v.setUint32(2, size, true);
  v.setUint32(10, 54, true);
  v.setUint32(14, 40, true);
  v.setInt32(18, width, true);
  v.setInt32(22, height, true);
  v.setUint16(26, 1, true);
  v.setUint16(28, 24, true);
  v.setUint32(34, stride * height, true);
  for (let y = 0; y < height; y++) {
    const row = 54 + (height - 1 - y) * stride;
    for (let x = 0; x < width; x++) {
      const s = (y * width + x) * 3;
      out[row + x * 3] = rgb[s + 2];
      out[row + x * 3 + 1] = rgb[s + 1];
      out[row + x * 3 + 2] = rgb[s];
    }
  }
  return out;
}
