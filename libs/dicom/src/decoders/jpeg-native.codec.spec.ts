import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import jpeg from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { makeFundusLike } from '@ropline/testing';
import { readDicom } from '../reader/dicom.reader.js';
import { decodeFrame } from '../pixel/frame.decode.js';
import { createImageDataset } from '../testing/image-dataset.builder.js';
import { writeEncapsulated } from '../testing/encapsulated.builder.js';
import { TransferSyntax } from '../uid.constants.js';
import { createDecoderRegistry } from './decoder.registry.js';
import { defaultDecoderManifests } from './decoder.manifests.js';
import { hasIccProfile, nativeJpegAvailable } from './jpeg-native.codec.js';

const native = createDecoderRegistry(defaultDecoderManifests, { jpeg: { native: 'auto' } });
const wasm = createDecoderRegistry(defaultDecoderManifests, { jpeg: { native: 'off' } });
const available = await nativeJpegAvailable();
if (!available)
  console.warn('[skip] sharp is not installed: native JPEG decoding is not tested (wasm is used)');
const CHASE = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../../../shared/data/chase-db1',
);

function jpegDicom(jpegBytes: Uint8Array, width: number, height: number, samples: 1 | 3): Uint8Array {
  const ds = createImageDataset({
    rows: height,
    columns: width,
    samplesPerPixel: samples,
    photometric: samples === 3 ? 'YBR_FULL_422' : 'MONOCHROME2',
  });
  return writeEncapsulated(ds, TransferSyntax.JpegBaseline, [[jpegBytes]]);
}

function encodeRgb(width: number, height: number, seed: number, quality: number): Uint8Array {
  const rgb = makeFundusLike(width, height, seed);
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0, j = 0; i < rgb.data.length; i += 3, j += 4) {
    rgba.set(rgb.data.subarray(i, i + 3), j);
    rgba[j + 3] = 255;
  }
  return new Uint8Array(jpeg.encode({ data: rgba, width, height }, quality).data);
}

describe.skipIf(!available)('native JPEG decoding (sharp) equals the wasm codec', () => {
  it.each([
    [64, 48, 1, 90],
    [333, 217, 2, 75],
    [1600, 1200, 3, 92],
  ])('RGB %ix%i (seed %i, quality %i): identical pixels', async (w, h, seed, q) => {
    const ds = readDicom(jpegDicom(encodeRgb(w, h, seed, q), w, h, 3));
    const a = await decodeFrame(ds, 0, { registry: native });
    const b = await decodeFrame(ds, 0, { registry: wasm });
    expect([a.width, a.height, a.channels]).toEqual([w, h, 3]);
    expect(Buffer.from(a.data).equals(Buffer.from(b.data))).toBe(true);
  });

  it.skipIf(!existsSync(CHASE))('real camera JPEGs (CHASE_DB1): identical pixels', async () => {
    const files = readdirSync(CHASE)
      .filter((f) => f.endsWith('.jpg'))
      .slice(0, 2);
    for (const f of files) {
      const bytes = new Uint8Array(readFileSync(path.join(CHASE, f)));
      const ds = readDicom(jpegDicom(bytes, 2997, 2880, 3));
      const a = await decodeFrame(ds, 0, { registry: native });
      const b = await decodeFrame(ds, 0, { registry: wasm });
      expect(Buffer.from(a.data).equals(Buffer.from(b.data))).toBe(true);
    }
  });

  it('a corrupt stream is a DECODE_FAILED RopError, not a grey image', async () => {
    const good = encodeRgb(64, 48, 4, 90);
    const bad = good.slice(0, Math.floor(good.length * 0.6));
    const ds = readDicom(jpegDicom(bad, 64, 48, 3));
    await expect(decodeFrame(ds, 0, { registry: native })).rejects.toMatchObject({
      code: 'DICOM.DECODE_FAILED',
    });
  });
});

describe('hasIccProfile', () => {
  it('finds an APP2 ICC_PROFILE segment before the scan and nothing in a plain stream', () => {
    const plain = encodeRgb(16, 16, 1, 90);
    expect(hasIccProfile(plain)).toBe(false);
    const id = [...'ICC_PROFILE\0'].map((c) => c.charCodeAt(0));
    const app2 = [0xff, 0xe2, 0, 2 + id.length + 2, ...id, 0, 0];
    const withIcc = new Uint8Array([0xff, 0xd8, ...app2, ...plain.subarray(2)]);
    expect(hasIccProfile(withIcc)).toBe(true);
  });
});
