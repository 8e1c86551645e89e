import { randomBytes } from 'node:crypto';
import { open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { asRopError, RopError, type Image8 } from '@ropline/core';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { assertImage8 } from './image-guard.util.js';

export const IMAGE_UNREADABLE = 'IMAGE.UNREADABLE';
export const IMAGE_UNWRITABLE = 'IMAGE.UNWRITABLE';

/** Decoding guards: a RetCam frame is ~2 MP; refuse absurd headers before allocating. */
const MAX_MEGAPIXELS = 100;

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function unreadable(message: string, cause?: unknown): RopError {
  return new RopError(IMAGE_UNREADABLE, message, {}, cause === undefined ? undefined : { cause });
}

/**
 * Decodes PNG or JPEG bytes (sniffed from the signature, not a file name) into an `Image8`:
 * gray PNG/JPEG -> 1 channel, everything else -> RGB. PNG palette is expanded, 16-bit samples are
 * scaled to 8 bits (round(v * 255 / 65535)), alpha is composited over black (the aperture
 * surround is black, so transparent pixels read as outside the field of view).
 */
export function decodeImageBytes(bytes: Uint8Array): Image8 {
  if (!(bytes instanceof Uint8Array) || bytes.length < 4) throw unreadable('not an image: too few bytes');
  if (PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return decodePng(bytes);
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return decodeJpeg(bytes);
  throw unreadable('not a PNG or JPEG image (unknown signature)');
}

function decodePng(bytes: Uint8Array): Image8 {
  // IHDR is the first chunk: width and height at bytes 16..23, checked before pngjs allocates.
  if (bytes.length >= 24) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const mp = (view.getUint32(16) * view.getUint32(20)) / 1e6;
    if (mp > MAX_MEGAPIXELS)
      throw unreadable(`PNG too large: ${mp.toFixed(0)} MP (limit ${MAX_MEGAPIXELS} MP)`);
  }
  let png: PNG;
  try {
    png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (e) {
    throw unreadable(`corrupt PNG: ${e instanceof Error ? e.message : String(e)}`, e);
  }
  const { width, height, data } = png;
  // pngjs always hands back 8-bit RGBA; the header's colour type says what the file really held.
  const colorType = (png as unknown as { colorType?: number }).colorType;
  const gray = colorType === 0 || colorType === 4;
  const n = width * height;
  const channels = gray ? 1 : 3;
  const out = new Uint8Array(n * channels);
  for (let i = 0, s = 0, o = 0; i < n; i++, s += 4, o += channels) {
    const a = data[s + 3];
    if (a === 255) {
      out[o] = data[s];
      if (!gray) {
        out[o + 1] = data[s + 1];
        out[o + 2] = data[s + 2];
      }
    } else {
      out[o] = Math.round((data[s] * a) / 255);
      if (!gray) {
        out[o + 1] = Math.round((data[s + 1] * a) / 255);
        out[o + 2] = Math.round((data[s + 2] * a) / 255);
      }
    }
  }
  return { data: out, width, height, channels };
}

/** Number of components in the first SOF segment of a JPEG (1 = grayscale), or 0 if not found. */
export function jpegComponents(bytes: Uint8Array): number {
  let p = 2;
  while (p + 9 < bytes.length) {
    if (bytes[p] !== 0xff) return 0;
    const marker = bytes[p + 1];
    if (marker === 0xff) {
      p++;
      continue;
    }
    const len = (bytes[p + 2] << 8) | bytes[p + 3];
    // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return bytes[p + 9];
    }
    p += 2 + len;
  }
  return 0;
}

function decodeJpeg(bytes: Uint8Array): Image8 {
  let decoded: { width: number; height: number; data: Uint8Array };
  try {
    decoded = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false, maxResolutionInMP: MAX_MEGAPIXELS });
  } catch (e) {
    throw unreadable(`corrupt or unsupported JPEG: ${e instanceof Error ? e.message : String(e)}`, e);
  }
  const { width, height, data } = decoded;
  if (!width || !height || data.length !== width * height * 3)
    throw unreadable('JPEG decoded to an empty image');
  if (jpegComponents(bytes) !== 1) return { data, width, height, channels: 3 };
  const out = new Uint8Array(width * height);
  for (let i = 0, s = 0; i < out.length; i++, s += 3) out[i] = data[s];
  return { data: out, width, height, channels: 1 };
}

/** Reads and decodes a PNG or JPEG file. Missing or undecodable files: RopError `IMAGE.UNREADABLE`. */
export async function readImageFile(filePath: string): Promise<Image8> {
  let bytes: Buffer;
  try {
    bytes = await readFile(filePath);
  } catch (e) {
    throw unreadable(
      `cannot read image file ${filePath}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
      e,
    );
  }
  try {
    return decodeImageBytes(bytes);
  } catch (e) {
    const err = asRopError(e, IMAGE_UNREADABLE);
    throw unreadable(`${filePath}: ${err.message}`, e);
  }
}

/** Lossless 8-bit PNG: gray for 1 channel, RGB for 3. */
export function encodePng(img: Image8): Buffer {
  assertImage8(img, 'encodePng input');
  const colorType = img.channels === 1 ? 0 : 2;
  // pngjs only reads width, height and data here; no need for a PNG instance and its RGBA buffer.
  const frame = {
    width: img.width,
    height: img.height,
    data: Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength),
  } as unknown as PNG;
  return PNG.sync.write(frame, { colorType, inputColorType: colorType, inputHasAlpha: false });
}

/**
 * Writes a PNG atomically: to a temporary file in the same directory (fsynced), then renamed over
 * `filePath`, so readers never see a partial image. Failures: RopError `IMAGE.UNWRITABLE`.
 */
export async function writePng(filePath: string, img: Image8): Promise<void> {
  const bytes = encodePng(img);
  const tmp = path.join(
    path.dirname(filePath),
    `.${path.basename(filePath)}.${randomBytes(6).toString('hex')}.tmp`,
  );
  try {
    const fh = await open(tmp, 'wx');
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, filePath);
  } catch (e) {
    await rm(tmp, { force: true });
    throw new RopError(
      IMAGE_UNWRITABLE,
      `cannot write ${filePath}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
      {},
      { cause: e },
    );
  }
}
