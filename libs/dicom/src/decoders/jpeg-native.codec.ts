import { lazyModule } from './wasm.loader.js';

/**
 * Optional native JPEG decoding through sharp (libvips + libjpeg-turbo with SIMD, prebuilt binaries
 * from the npm registry as optional dependencies). Same library as the wasm codec, so the same
 * pixels (islow IDCT, fancy upsampling; checked by jpeg-native.codec.spec.ts), about 2.5x faster.
 * Absent or unloadable sharp -> null, and the wasm codec is used: nothing depends on it.
 */
interface SharpInstance {
  raw(): SharpInstance;
  toBuffer(opts: {
    resolveWithObject: true;
  }): Promise<{ data: Buffer; info: { width: number; height: number; channels: number } }>;
}
type SharpFactory = ((input: Uint8Array, opts: Record<string, unknown>) => SharpInstance) & {
  concurrency(n: number): number;
  cache(opts: boolean): void;
};

const sharpModule = lazyModule<SharpFactory | null>(async () => {
  try {
    const mod = (await import('sharp')) as unknown as { default: SharpFactory };
    // One thread per decode: workers scale across cores; no libvips operation cache (no reuse).
    mod.default.concurrency(1);
    mod.default.cache(false);
    return mod.default;
  } catch {
    return null;
  }
});

export interface NativeJpegFrame {
  samples: Uint8Array;
  width: number;
  height: number;
  components: number;
}

/** True when the stream carries an ICC profile (APP2 "ICC_PROFILE"): sharp would colour-manage it. */
export function hasIccProfile(b: Uint8Array): boolean {
  let pos = 2;
  while (pos + 4 <= b.length && b[pos] === 0xff) {
    const marker = b[pos + 1];
    if (marker === 0xda) return false; // start of scan: no more header segments
    const length = (b[pos + 2] << 8) | b[pos + 3];
    if (marker === 0xe2 && pos + 15 <= b.length) {
      const id = String.fromCharCode(...b.subarray(pos + 4, pos + 15));
      if (id === 'ICC_PROFILE') return true;
    }
    pos += 2 + length;
  }
  return false;
}

/** Decodes an 8-bit DCT JPEG natively, or returns null when sharp is unavailable. */
export async function decodeJpegNative(
  frame: Uint8Array,
  components: number,
): Promise<NativeJpegFrame | null> {
  if (components !== 1 && components !== 3) return null;
  if (hasIccProfile(frame)) return null;
  const sharp = await sharpModule.get();
  if (!sharp) return null;
  // failOn 'error': a corrupt stream is an error, not a silently grey image.
  const { data, info } = await sharp(frame, { failOn: 'error', limitInputPixels: false })
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== components) return null;
  return {
    samples: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    width: info.width,
    height: info.height,
    components: info.channels,
  };
}

export async function nativeJpegAvailable(): Promise<boolean> {
  return (await sharpModule.get()) !== null;
}
