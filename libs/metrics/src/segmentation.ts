import { invalid } from './validate.js';

/** A binary mask, row-major; any non-zero byte is "inside". */
export interface BinaryMask {
  width: number;
  height: number;
  data: Uint8Array;
}

function overlap(a: BinaryMask, b: BinaryMask): { inter: number; sizeA: number; sizeB: number } {
  for (const m of [a, b]) {
    if (m.data.length !== m.width * m.height) {
      throw invalid(`mask data has ${m.data.length} bytes for ${m.width}x${m.height}`);
    }
  }
  if (a.width !== b.width || a.height !== b.height) {
    throw invalid(`mask size mismatch (${a.width}x${a.height} vs ${b.width}x${b.height})`);
  }
  let inter = 0;
  let sizeA = 0;
  let sizeB = 0;
  for (let i = 0; i < a.data.length; i++) {
    const x = a.data[i] !== 0;
    const y = b.data[i] !== 0;
    if (x) sizeA++;
    if (y) sizeB++;
    if (x && y) inter++;
  }
  return { inter, sizeA, sizeB };
}

/** Dice = 2|A∩B| / (|A| + |B|). Both masks empty -> 1 (perfect agreement that there is no line). */
export function dice(a: BinaryMask, b: BinaryMask): number {
  const { inter, sizeA, sizeB } = overlap(a, b);
  return sizeA + sizeB === 0 ? 1 : (2 * inter) / (sizeA + sizeB);
}

/** Jaccard IoU = |A∩B| / |A∪B|. Both masks empty -> 1 (see `dice`). */
export function iou(a: BinaryMask, b: BinaryMask): number {
  const { inter, sizeA, sizeB } = overlap(a, b);
  const union = sizeA + sizeB - inter;
  return union === 0 ? 1 : inter / union;
}

/** IoU used to match detections: like `iou`, but two empty masks overlap 0 (nothing to match). */
export function maskIou(a: BinaryMask, b: BinaryMask): number {
  const { inter, sizeA, sizeB } = overlap(a, b);
  const union = sizeA + sizeB - inter;
  return union === 0 ? 0 : inter / union;
}
