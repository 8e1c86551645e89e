import type { Samples } from '../decoders/decoder.types.js';
import type { PixelModule } from './pixel-module.js';

/**
 * Grayscale stored values -> 8-bit display values, in this order:
 *  1. stored value: the low BitsStored bits of each sample, sign-extended when PixelRepresentation
 *     is 1 (unused high bits are masked off whatever they hold);
 *  2. Modality LUT: m = stored * RescaleSlope + RescaleIntercept (PS3.3 C.11.1), when present;
 *  3. VOI: the first Window Center/Width pair with VOILUTFunction LINEAR (default), LINEAR_EXACT or
 *     SIGMOID (PS3.3 C.11.2.1.2) mapped to 0..255, when present and valid;
 *     otherwise unsigned data of at most 8 bits stored without a rescale keeps its scale
 *     (round(stored * 255 / (2^BitsStored - 1)): identity for 8 bits, 0/255 for 1 bit);
 *     otherwise min-max of the frame's modality values to 0..255 (a constant frame gives 0);
 *  4. MONOCHROME1 is inverted (255 - y) last, so its minimum shows white.
 * For BitsStored <= 16 all of this is folded into one lookup table over the stored values.
 */
export function renderGray(samples: Samples, pm: PixelModule, out: Uint8Array): Uint8Array {
  const bits = pm.bitsStored;
  const signed = pm.pixelRepresentation === 1;
  const invert = pm.photometric === 'MONOCHROME1';
  const toStored = storedValueFn(bits, signed);
  const slope = pm.rescale?.slope ?? 1;
  const intercept = pm.rescale?.intercept ?? 0;
  const map = displayFn(samples, pm, toStored, slope, intercept);
  if (bits <= 16) {
    const mask = (1 << bits) - 1;
    const lut = new Uint8Array(1 << bits);
    for (let raw = 0; raw <= mask; raw++) {
      const y = map(toStored(raw) * slope + intercept);
      lut[raw] = invert ? 255 - y : y;
    }
    for (let i = 0; i < out.length; i++) out[i] = lut[samples[i] & mask];
  } else {
    for (let i = 0; i < out.length; i++) {
      const y = map(toStored(samples[i]) * slope + intercept);
      out[i] = invert ? 255 - y : y;
    }
  }
  return out;
}

/** Masks to `bits` bits and sign-extends when signed; works on raw words of any JS integer type. */
export function storedValueFn(bits: number, signed: boolean): (raw: number) => number {
  if (bits >= 32) return signed ? (raw) => raw | 0 : (raw) => raw >>> 0;
  const shift = 32 - bits;
  return signed ? (raw) => (raw << shift) >> shift : (raw) => ((raw << shift) >>> shift) >>> 0;
}

/** Modality value -> 0..255 (integer). */
function displayFn(
  samples: Samples,
  pm: PixelModule,
  toStored: (raw: number) => number,
  slope: number,
  intercept: number,
): (m: number) => number {
  if (pm.window) return voiFn(pm.window.center, pm.window.width, pm.window.fn);
  const identityRescale = slope === 1 && intercept === 0;
  if (pm.pixelRepresentation === 0 && pm.bitsStored <= 8 && identityRescale) {
    const scale = 255 / ((1 << pm.bitsStored) - 1);
    return (m) => Math.round(m * scale);
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < samples.length; i++) {
    const s = toStored(samples[i]);
    if (s < lo) lo = s;
    if (s > hi) hi = s;
  }
  const a = lo * slope + intercept;
  const b = hi * slope + intercept;
  const min = Math.min(a, b);
  const range = Math.max(a, b) - min;
  if (!(range > 0)) return () => 0;
  return (m) => clamp255(Math.round(((m - min) * 255) / range));
}

/** VOI LUT functions of PS3.3 C.11.2.1.2 with output range ymin = 0, ymax = 255. */
export function voiFn(
  c: number,
  w: number,
  fn: 'LINEAR' | 'LINEAR_EXACT' | 'SIGMOID',
): (x: number) => number {
  if (fn === 'SIGMOID') return (x) => clamp255(Math.round(255 / (1 + Math.exp((-4 * (x - c)) / w))));
  if (fn === 'LINEAR_EXACT') {
    return (x) => {
      if (x <= c - w / 2) return 0;
      if (x > c + w / 2) return 255;
      return clamp255(Math.round(((x - c) / w + 0.5) * 255));
    };
  }
  // C.11.2.1.2.1: x <= c - 0.5 - (w-1)/2 -> ymin; x > c - 0.5 + (w-1)/2 -> ymax;
  // else y = ((x - (c - 0.5)) / (w - 1) + 0.5) * (ymax - ymin) + ymin. (w = 1 is a step at c - 0.5.)
  return (x) => {
    if (x <= c - 0.5 - (w - 1) / 2) return 0;
    if (x > c - 0.5 + (w - 1) / 2) return 255;
    if (w === 1) return 255;
    return clamp255(Math.round(((x - (c - 0.5)) / (w - 1) + 0.5) * 255));
  };
}

function clamp255(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : v;
}
