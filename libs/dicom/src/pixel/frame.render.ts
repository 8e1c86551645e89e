import type { Image8 } from '@ropline/core';
import type { DicomDataset } from '../dicom.dataset.js';
import { DicomErrorCode, dicomError } from '../dicom.errors.js';
import type { DecodedFrame, Samples } from '../decoders/decoder.types.js';
import { interleave, ybrFullToRgb } from './color.convert.js';
import { renderGray } from './gray.render.js';
import { renderPalette } from './palette.render.js';
import type { PixelModule } from './pixel-module.js';

/** Photometric interpretations whose samples are already R, G, B once a codec has decoded them. */
const RGB_LIKE = new Set(['RGB', 'YBR_RCT', 'YBR_ICT']);
const YBR_FULL = new Set(['YBR_FULL', 'YBR_FULL_422']);

/** Decoded frame -> 8-bit gray (MONOCHROME1/2) or RGB (colour, PALETTE COLOR) Image8. */
export function renderFrame(frame: DecodedFrame, pm: PixelModule, ds: DicomDataset): Image8 {
  const { rows: height, columns: width } = pm;
  const pixels = width * height;
  if (frame.width !== width || frame.height !== height) {
    throw dicomError(
      DicomErrorCode.DECODE_FAILED,
      `Decoded frame is ${frame.width}x${frame.height} but the header says ${width}x${height}`,
    );
  }
  if (frame.samples.length < pixels * frame.components) {
    throw dicomError(
      DicomErrorCode.DECODE_FAILED,
      'Decoded frame holds fewer samples than the header implies',
    );
  }
  const photometric = pm.photometric;
  if (photometric === 'MONOCHROME1' || photometric === 'MONOCHROME2') {
    expectComponents(frame, 1, photometric);
    const out = renderGray(frame.samples.subarray(0, pixels), pm, new Uint8Array(pixels));
    return { data: out, width, height, channels: 1 };
  }
  if (photometric === 'PALETTE COLOR') {
    expectComponents(frame, 1, photometric);
    const out = renderPalette(frame.samples.subarray(0, pixels), pm, ds, new Uint8Array(pixels * 3));
    return { data: out, width, height, channels: 3 };
  }
  expectComponents(frame, 3, photometric);
  const rgbAlready = frame.colorSpace === 'RGB' || RGB_LIKE.has(photometric);
  if (!rgbAlready && !YBR_FULL.has(photometric)) {
    throw dicomError(
      DicomErrorCode.UNSUPPORTED_PHOTOMETRIC,
      `Photometric Interpretation ${photometric} is not supported for ${pm.samplesPerPixel}-sample data`,
      { photometric },
    );
  }
  const data = toInterleaved8(frame, pm, pixels);
  if (!rgbAlready) ybrFullToRgb(data);
  return { data, width, height, channels: 3 };
}

function expectComponents(frame: DecodedFrame, n: number, photometric: string): void {
  if (frame.components !== n) {
    throw dicomError(
      DicomErrorCode.DECODE_FAILED,
      `${photometric} needs ${n} sample(s) per pixel but the decoded frame has ${frame.components}`,
      { photometric, components: frame.components },
    );
  }
}

/**
 * Colour samples -> a fresh interleaved 8-bit buffer. Samples of more than 8 bits stored keep their
 * top 8 bits (colour channels share one scale, so a per-frame stretch would shift the hue).
 */
function toInterleaved8(frame: DecodedFrame, pm: PixelModule, pixels: number): Uint8Array {
  let samples: Samples = frame.samples.subarray(0, pixels * 3);
  let fresh = false;
  if (frame.planar) {
    samples = interleave(
      samples,
      pixels,
      3,
      (n) => new (samples.constructor as new (n: number) => Samples)(n),
    );
    fresh = true;
  }
  // Native samples may be views on the caller's input: never convert those in place.
  if (samples instanceof Uint8Array && pm.bitsStored >= 8)
    return fresh || !frame.aliasesInput ? samples : samples.slice();
  const bits = Math.min(pm.bitsStored, 32);
  const shift = Math.max(0, bits - 8);
  const mask = bits >= 32 ? 0xffffffff : 2 ** bits - 1;
  const out = new Uint8Array(samples.length);
  for (let i = 0; i < samples.length; i++) {
    const v = (samples[i] & mask) >>> 0;
    out[i] = bits >= 8 ? v >>> shift : Math.round((v * 255) / mask);
  }
  return out;
}
