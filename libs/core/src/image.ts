/**
 * An 8-bit raster in row-major, pixel-interleaved order: `data[(y * width + x) * channels + c]`.
 * `channels` is 1 (grayscale) or 3 (RGB). Origin top-left, x to the right, y down.
 * This is the currency between decoding (libs/dicom), preprocessing and the models.
 */
export interface Image8 {
  data: Uint8Array;
  width: number;
  height: number;
  channels: 1 | 3;
}

/** A float raster (e.g. a standardized image or a stacked multi-channel model input). */
export interface ImageF32 {
  data: Float32Array;
  width: number;
  height: number;
  channels: number;
}

export function createImage8(width: number, height: number, channels: 1 | 3): Image8 {
  return { data: new Uint8Array(width * height * channels), width, height, channels };
}
