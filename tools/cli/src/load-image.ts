import { readFile } from 'node:fs/promises';
import type { Image8 } from '@ropline/core';
import { decodeFrame, readDicom } from '@ropline/dicom';
import { decodeImageBytes } from '@ropline/preprocess';

/** True for Part-10 files ("DICM" at offset 128); bare datasets need an explicit `.dcm` name. */
export function looksLikeDicom(bytes: Uint8Array, path: string): boolean {
  const magic = bytes.length >= 132 && String.fromCharCode(...bytes.subarray(128, 132)) === 'DICM';
  return magic || /\.(dcm|dicom)$/i.test(path);
}

/** Loads a PNG, JPEG or DICOM file (one frame) as an 8-bit image. */
export async function loadImage(path: string, frame = 0): Promise<Image8> {
  const bytes = new Uint8Array(await readFile(path));
  if (looksLikeDicom(bytes, path)) return decodeFrame(readDicom(bytes), frame);
  return decodeImageBytes(bytes);
}
