import { describe, expect, it } from 'vitest';
import type { DicomDataset } from '../dicom.dataset.js';
import { writeDicom } from '../dicom.writer.js';
import { decodeFrame, decodeFrameSamples } from '../pixel/frame.decode.js';
import { storedValueFn } from '../pixel/gray.render.js';
import { readDicom } from '../reader/dicom.reader.js';
import { createImageDataset, type ImageDatasetSpec } from '../testing/image-dataset.builder.js';
import { gradientRgb, maxAbsDiff, meanAbsDiff } from '../testing/pixels.util.js';
import { requireCjs } from './wasm.loader.js';

// No Debian tool here writes JPEG 2000 DICOM, so the test files come from OpenJPEG's encoder as
// wrapped by dcmjs-codecs (Transcoder); the source pixels remain the oracle.
interface Transcoder {
  transcode(ts: string, params?: Record<string, unknown>): void;
  getDicomPart10(): ArrayBuffer;
}
const codecs = requireCjs('dcmjs-codecs') as {
  NativeCodecs: { initializeAsync(o?: object): Promise<void> };
  Transcoder: new (buffer: ArrayBuffer) => Transcoder;
};

const W = 40;
const H = 30;
const rgb = gradientRgb(W, H);
const gray12 = Uint16Array.from({ length: W * H }, (_, i) => Math.round((i * 4095) / (W * H - 1)));
const signed16 = Int16Array.from({ length: W * H }, (_, i) => (i % 2 ? -1 : 1) * ((i * 37) % 30000));

async function j2k(spec: ImageDatasetSpec, ts: string): Promise<DicomDataset> {
  await codecs.NativeCodecs.initializeAsync();
  const source = writeDicom(createImageDataset(spec));
  const t = new codecs.Transcoder(source.slice().buffer);
  // Lossy at compression ratio 5: the default (20) leaves a 40x30 image a few hundred bytes.
  t.transcode(ts, ts === LOSSY ? { rate: 5 } : undefined);
  return readDicom(new Uint8Array(t.getDicomPart10()));
}

async function stored(ds: DicomDataset): Promise<number[]> {
  const { frame, pixelModule: pm } = await decodeFrameSamples(ds);
  const f = storedValueFn(pm.bitsStored, pm.pixelRepresentation === 1);
  return Array.from(frame.samples, (v) => f(v));
}

const LOSSLESS = '1.2.840.10008.1.2.4.90';
const LOSSY = '1.2.840.10008.1.2.4.91';

describe('JPEG 2000 decoder (OpenJPEG wasm)', () => {
  it('RGB lossless is exact', async () => {
    const ds = await j2k({ rows: H, columns: W, samplesPerPixel: 3, pixelData: rgb }, LOSSLESS);
    expect(ds.transferSyntaxUid).toBe(LOSSLESS);
    expect(maxAbsDiff((await decodeFrame(ds)).data, rgb)).toBe(0);
  });

  it('RGB lossy is within 2 gray levels on average', async () => {
    const ds = await j2k({ rows: H, columns: W, samplesPerPixel: 3, pixelData: rgb }, LOSSY);
    expect(meanAbsDiff((await decodeFrame(ds)).data, rgb)).toBeLessThanOrEqual(2);
  });

  it('12-bit gray lossless keeps stored values; lossy renders within 2 levels', async () => {
    const spec = { rows: H, columns: W, bitsAllocated: 16, bitsStored: 12, pixelData: gray12 } as const;
    expect(await stored(await j2k(spec, LOSSLESS))).toEqual(Array.from(gray12));
    const source = await decodeFrame(readDicom(writeDicom(createImageDataset(spec))));
    expect(meanAbsDiff((await decodeFrame(await j2k(spec, LOSSY))).data, source.data)).toBeLessThanOrEqual(2);
  });

  it('signed 16-bit lossless keeps stored values', async () => {
    const spec = {
      rows: H,
      columns: W,
      bitsAllocated: 16,
      pixelRepresentation: 1,
      pixelData: signed16,
    } as const;
    expect(await stored(await j2k(spec, LOSSLESS))).toEqual(Array.from(signed16));
  });

  it('a corrupt codestream is DICOM.DECODE_FAILED and the codec keeps working', async () => {
    const ds = await j2k({ rows: H, columns: W, samplesPerPixel: 3, pixelData: rgb }, LOSSLESS);
    const pd = ds.pixelData;
    if (!pd?.encapsulated) throw new Error('expected encapsulated pixel data');
    const broken = new Uint8Array(pd.fragments[0].bytes.length).fill(0x4f);
    broken.set([0xff, 0x4f, 0xff, 0x51]);
    const bad = Object.assign(Object.create(Object.getPrototypeOf(ds)), ds, {
      pixelData: { ...pd, fragments: [{ bytes: broken, itemOffset: 0 }] },
    }) as DicomDataset;
    await expect(decodeFrame(bad)).rejects.toMatchObject({ code: 'DICOM.DECODE_FAILED' });
    expect(maxAbsDiff((await decodeFrame(ds)).data, rgb)).toBe(0);
  });
});
