import type { Image8 } from '@ropline/core';
import { assertImage8 } from './image-guard.util.js';
import { applyLut256, histogram256 } from './histogram.util.js';
import { activeWasmKernels } from './kernels/kernel-mode.util.js';
import type { WasmKernels } from './kernels/wasm-kernels.util.js';
import { roundHalfEvenU8 } from './rounding.util.js';

const fround = Math.fround;

/**
 * The equalization LUT exactly as OpenCV 4.6 `cv::equalizeHist` builds it: the first occupied bin
 * maps to 0, `scale = 255.f / (total - hist[first])` in float32, each later bin maps to
 * `saturate_cast<uchar>(cumsum * scale)` (float32 product, round half to even). Returns null for a
 * single-valued image, which OpenCV leaves unchanged.
 */
export function equalizeHistLut(hist: Int32Array, total: number): Uint8Array | null {
  let first = 0;
  while (first < 256 && hist[first] === 0) first++;
  if (first === 256 || hist[first] === total) return null;
  const lut = new Uint8Array(256);
  // int -> float conversions are explicit: they round above 2^24 pixels, as in C++.
  const scale = fround(255 / fround(total - hist[first]));
  let sum = 0;
  for (let i = first + 1; i < 256; i++) {
    sum += hist[i];
    lut[i] = roundHalfEvenU8(fround(fround(sum) * scale));
  }
  return lut;
}

/** The WebAssembly path (see wasm/histogram.c); null when its memory cannot grow to the image. */
function equalizeHistWasm(k: WasmKernels, data: Uint8Array): Uint8Array | null {
  const n = data.length;
  const ptrs = k.reserve(n, 256 * 4, 256);
  if (!ptrs) return null;
  const [buf, histPtr, lutPtr] = ptrs;
  k.u8(buf, n).set(data);
  const hist = k.i32(histPtr, 256);
  hist.fill(0);
  k.fn.histogram_u8(buf, n, histPtr);
  const lut = equalizeHistLut(k.i32(histPtr, 256).slice(), n);
  if (lut === null) return data.slice();
  k.u8(lutPtr, 256).set(lut);
  k.fn.apply_lut_u8(buf, buf, n, lutPtr);
  return k.copyOut(buf, n);
}

/**
 * Global histogram equalization of a 1-channel image, bit-exact with `cv2.equalizeHist` (OpenCV 4.6).
 * A constant image comes back unchanged (OpenCV's special case), not black.
 */
export function equalizeHist(gray: Image8): Image8 {
  assertImage8(gray, 'equalizeHist input', [1]);
  const { width, height, data } = gray;
  const k = activeWasmKernels();
  let out = k ? equalizeHistWasm(k, data) : null;
  if (!out) {
    out = new Uint8Array(data.length);
    const lut = equalizeHistLut(histogram256(data), data.length);
    if (lut === null) out.set(data);
    else applyLut256(data, lut, out);
  }
  return { data: out, width, height, channels: 1 };
}
