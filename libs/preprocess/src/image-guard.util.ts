import { RopError, type Image8, type ImageF32 } from '@ropline/core';

export const INVALID_INPUT = 'PREPROCESS.INVALID_INPUT';

function fail(message: string, meta: Record<string, string | number> = {}): never {
  throw new RopError(INVALID_INPUT, message, meta);
}

function assertSize(what: string, width: unknown, height: unknown): void {
  if (
    !Number.isInteger(width) ||
    !Number.isInteger(height) ||
    (width as number) < 1 ||
    (height as number) < 1
  ) {
    fail(`${what}: width and height must be positive integers, got ${String(width)}x${String(height)}`);
  }
}

/**
 * Checks the shape invariants of an `Image8` (typed data, integer size, data length) so that the
 * tight loops downstream can index without bounds worries. `channels` restricts the accepted
 * channel counts; the default accepts 1 and 3.
 */
export function assertImage8(img: Image8, what = 'image', channels: readonly number[] = [1, 3]): void {
  if (img === null || typeof img !== 'object') fail(`${what}: expected an Image8 object`);
  if (!(img.data instanceof Uint8Array)) fail(`${what}: data must be a Uint8Array`);
  assertSize(what, img.width, img.height);
  if (!channels.includes(img.channels)) {
    fail(`${what}: expected ${channels.join(' or ')} channel(s), got ${String(img.channels)}`, {
      channels: String(img.channels),
    });
  }
  const expected = img.width * img.height * img.channels;
  if (img.data.length !== expected) {
    fail(
      `${what}: data length ${img.data.length} does not match ${img.width}x${img.height}x${img.channels} = ${expected}`,
    );
  }
}

/** Same as `assertImage8` for a float raster. */
export function assertImageF32(img: ImageF32, what = 'image', channels: readonly number[] = [1]): void {
  if (img === null || typeof img !== 'object') fail(`${what}: expected an ImageF32 object`);
  if (!(img.data instanceof Float32Array)) fail(`${what}: data must be a Float32Array`);
  assertSize(what, img.width, img.height);
  if (!channels.includes(img.channels)) {
    fail(`${what}: expected ${channels.join(' or ')} channel(s), got ${String(img.channels)}`);
  }
  const expected = img.width * img.height * img.channels;
  if (img.data.length !== expected) {
    fail(`${what}: data length ${img.data.length} does not match ${expected}`);
  }
}

/** Output sizes of resizing and augmentation: positive integers, bounded to keep allocations sane. */
export function assertTargetSize(width: unknown, height: unknown, max = 1 << 15): void {
  assertSize('target size', width, height);
  if ((width as number) > max || (height as number) > max) {
    fail(`target size ${String(width)}x${String(height)} exceeds ${max} pixels per side`);
  }
}

export function assertSameSize(
  a: { width: number; height: number },
  b: { width: number; height: number },
  what: string,
): void {
  if (a.width !== b.width || a.height !== b.height) {
    fail(`${what}: sizes differ (${a.width}x${a.height} vs ${b.width}x${b.height})`);
  }
}

export function invalidInput(message: string, meta: Record<string, string | number> = {}): never {
  fail(message, meta);
}
