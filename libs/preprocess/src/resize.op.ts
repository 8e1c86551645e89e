import type { Image8 } from '@ropline/core';
import { assertImage8, assertTargetSize, invalidInput } from './image-guard.util.js';
import { activeWasmKernels } from './kernels/kernel-mode.util.js';
import { resizeAreaGeneric, resizeAreaInteger, resizeAreaWasm } from './resize-area.util.js';
import { resizeBilinear } from './resize-linear.util.js';

export type ResizeInterpolation = 'auto' | 'area' | 'linear';
export const RESIZE_INTERPOLATIONS: readonly ResizeInterpolation[] = ['auto', 'area', 'linear'];

/** The classifier's input side in the paper (Inception v3). */
export const MODEL_INPUT_SIZE = 299;

/**
 * Resizes a 1-channel image like `cv2.resize(gray, (width, height), interpolation=...)`.
 * - `'area'`: INTER_AREA (true pixel-area averaging when shrinking both sides; OpenCV's bilinear
 *   emulation when a side grows).
 * - `'linear'`: INTER_LINEAR (half-pixel centres, 11-bit fixed-point weights; an exact 2x
 *   shrink is turned into INTER_AREA as OpenCV does).
 * - `'auto'` (default): `'area'` if either side shrinks, else `'linear'`.
 * The contract is |ours - OpenCV 4.6| <= 1; on every parity case (up, down, non-integer factors,
 * 1xN) it is in fact bit-exact, as both paths replicate OpenCV's taps and arithmetic.
 */
export function resize(
  gray: Image8,
  width: number = MODEL_INPUT_SIZE,
  height: number = MODEL_INPUT_SIZE,
  interpolation: ResizeInterpolation = 'auto',
): Image8 {
  assertImage8(gray, 'resize input', [1]);
  assertTargetSize(width, height);
  if (!RESIZE_INTERPOLATIONS.includes(interpolation)) {
    invalidInput(
      `resize: interpolation must be one of ${RESIZE_INTERPOLATIONS.join(', ')}, got ${String(interpolation)}`,
    );
  }
  const { width: sw, height: sh, data } = gray;
  if (sw === width && sh === height) return { data: data.slice(), width, height, channels: 1 };
  let mode = interpolation;
  if (mode === 'auto') mode = width < sw || height < sh ? 'area' : 'linear';

  const scaleX = 1 / (width / sw);
  const scaleY = 1 / (height / sh);
  const ix = Math.round(scaleX);
  const iy = Math.round(scaleY);
  const integer = Math.abs(scaleX - ix) < Number.EPSILON && Math.abs(scaleY - iy) < Number.EPSILON;
  if (mode === 'linear' && integer && ix === 2 && iy === 2) mode = 'area';

  if (mode === 'area' && scaleX >= 1 && scaleY >= 1) {
    const k = activeWasmKernels();
    const res = k ? resizeAreaWasm(k, data, sw, sh, width, height, integer ? ix : 0, iy) : null;
    if (res) return { data: res, width, height, channels: 1 };
  }
  const out = new Uint8Array(width * height);
  if (mode === 'area' && scaleX >= 1 && scaleY >= 1) {
    if (integer) resizeAreaInteger(data, sw, out, width, height, ix, iy);
    else resizeAreaGeneric(data, sw, sh, out, width, height);
  } else {
    resizeBilinear(data, sw, sh, out, width, height, mode === 'area');
  }
  return { data: out, width, height, channels: 1 };
}
