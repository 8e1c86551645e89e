/**
 * OpenCV's `cvRound` / `saturate_cast<uchar>(float)`: round half to even (SSE2 `cvtss2si` in the
 * default MXCSR mode), then clamp to [0, 255]. Used wherever OpenCV converts a float to 8 bits, so
 * that ties like 2.5 give 2 and 3.5 give 4 exactly as in cv2.
 */
export function roundHalfEvenU8(v: number): number {
  let r = Math.floor(v + 0.5);
  if (r - v === 0.5 && (r & 1) === 1) r -= 1;
  return r < 0 ? 0 : r > 255 ? 255 : r;
}

/** `cvRound` without the 8-bit clamp (e.g. for the 11-bit fixed-point resize weights). */
export function roundHalfEven(v: number): number {
  let r = Math.floor(v + 0.5);
  if (r - v === 0.5 && r % 2 !== 0) r -= 1;
  return r;
}
