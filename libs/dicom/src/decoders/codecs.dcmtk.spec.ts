import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DicomDataset } from '../dicom.dataset.js';
import { writeDicom } from '../dicom.writer.js';
import { storedValueFn } from '../pixel/gray.render.js';
import { decodeFrame, decodeFrames, decodeFrameSamples } from '../pixel/frame.decode.js';
import { readDicom } from '../reader/dicom.reader.js';
import { writeBmp24 } from '../testing/bmp.writer.js';
import { writeEncapsulated } from '../testing/encapsulated.builder.js';
import { hasTool, runTool } from '../testing/external.tools.js';
import { createImageDataset } from '../testing/image-dataset.builder.js';
import { gradientRgb, maxAbsDiff, meanAbsDiff } from '../testing/pixels.util.js';

const TOOLS = ['img2dcm', 'dcmcjpeg', 'dcmcjpls', 'dcmcrle', 'dcmconv', 'dcmj2pnm'];
const missing = TOOLS.filter((t) => !hasTool(t));
if (missing.length > 0) {
  console.warn(
    `[libs/dicom] SKIPPED dcmtk codec tests: missing ${missing.join(', ')} (apt-get install dcmtk)`,
  );
}

const W = 64;
const H = 48;
const rgb = gradientRgb(W, H);
/** 12-bit ramp with texture: every 4th pixel offset by 300 so lossy codecs have edges to keep. */
const gray12 = Uint16Array.from(
  { length: W * H },
  (_, i) => (Math.round((i * 3795) / (W * H - 1)) + (i % 4 === 0 ? 300 : 0)) & 0xfff,
);
const signed16 = Int16Array.from(
  { length: W * H },
  (_, i) => Math.round(-2000 + (i * 5000) / (W * H)) * (i % 7 === 0 ? -1 : 1),
);
/** Three smooth, distinct 32x24 frames. */
const frames8 = [0, 1, 2].map((f) =>
  Uint8Array.from({ length: 32 * 24 }, (_, i) =>
    Math.round(40 + 60 * f + 40 * Math.sin((i % 32) / (3 + f)) + (i >> 5)),
  ),
);

let dir = '';
const file = (name: string) => path.join(dir, name);
const load = (name: string): DicomDataset => readDicom(readFileSync(file(name)));

function make(tool: string, args: string[], src: string, out: string): DicomDataset {
  runTool(tool, [...args, file(src), file(out)]);
  return load(out);
}

/** Stored values of frame 0, masked and sign-extended, as numbers. */
async function stored(ds: DicomDataset): Promise<number[]> {
  const { frame, pixelModule: pm } = await decodeFrameSamples(ds);
  const f = storedValueFn(pm.bitsStored, pm.pixelRepresentation === 1);
  return Array.from(frame.samples, (v) => f(v));
}

describe.skipIf(missing.length > 0)('pixel decoders on files made by dcmtk', () => {
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'ropline-dcmtk-'));
    writeFileSync(file('rgb.bmp'), writeBmp24(rgb, W, H));
    runTool('img2dcm', ['-i', 'BMP', file('rgb.bmp'), file('rgb.dcm')]);
    const g12 = createImageDataset({
      rows: H,
      columns: W,
      bitsAllocated: 16,
      bitsStored: 12,
      pixelData: gray12,
    });
    writeFileSync(file('g12.dcm'), writeDicom(g12));
    const s16 = createImageDataset({
      rows: H,
      columns: W,
      bitsAllocated: 16,
      pixelRepresentation: 1,
      pixelData: signed16,
    });
    writeFileSync(file('s16.dcm'), writeDicom(s16));
    const mf = createImageDataset({
      rows: 24,
      columns: 32,
      frames: 3,
      pixelData: Uint8Array.from(frames8.flatMap((f) => [...f])),
    });
    writeFileSync(file('mf.dcm'), writeDicom(mf));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('img2dcm (BMP) RGB decodes exactly to the source', async () => {
    expect(Array.from((await decodeFrame(load('rgb.dcm'))).data)).toEqual(Array.from(rgb));
  });

  it.each([
    [
      'JPEG baseline, YCbCr 4:2:2',
      'dcmcjpeg',
      ['+eb', '+cy'],
      '1.2.840.10008.1.2.4.50',
      'YBR_FULL_422',
      'mad',
      2,
    ],
    ['JPEG baseline, RGB', 'dcmcjpeg', ['+eb', '+cr'], '1.2.840.10008.1.2.4.50', 'RGB', 'mad', 2],
    ['JPEG extended 8-bit', 'dcmcjpeg', ['+ee'], '1.2.840.10008.1.2.4.51', 'YBR_FULL_422', 'mad', 2],
    ['JPEG lossless P14', 'dcmcjpeg', ['+el'], '1.2.840.10008.1.2.4.57', 'RGB', 'max', 0],
    ['JPEG lossless SV1', 'dcmcjpeg', ['+e1'], '1.2.840.10008.1.2.4.70', 'RGB', 'max', 0],
    ['JPEG-LS lossless, line-interleaved', 'dcmcjpls', [], '1.2.840.10008.1.2.4.80', 'RGB', 'max', 0],
    ['JPEG-LS lossless, uninterleaved', 'dcmcjpls', ['+in'], '1.2.840.10008.1.2.4.80', 'RGB', 'max', 0],
    ['JPEG-LS near-lossless (NEAR 2)', 'dcmcjpls', ['+en'], '1.2.840.10008.1.2.4.81', 'RGB', 'max', 2],
    ['RLE lossless', 'dcmcrle', [], '1.2.840.10008.1.2.5', 'RGB', 'max', 0],
  ] as const)('RGB %s (%s %s)', async (name, tool, args, ts, photometric, metric, limit) => {
    const ds = make(tool, [...args], 'rgb.dcm', `rgb-${name.replace(/\W+/g, '_')}.dcm`);
    expect([ds.transferSyntaxUid, ds.string('PhotometricInterpretation')]).toEqual([ts, photometric]);
    const img = await decodeFrame(ds);
    expect([img.width, img.height, img.channels]).toEqual([W, H, 3]);
    // A YBR_FULL_422 JPEG converted twice would be off by tens of levels, not <= 2.
    const diff = metric === 'mad' ? meanAbsDiff(img.data, rgb) : maxAbsDiff(img.data, rgb);
    expect(diff).toBeLessThanOrEqual(limit);
  });

  it.each([
    ['JPEG lossless P14', 'dcmcjpeg', ['+el'], 0],
    ['JPEG lossless SV1', 'dcmcjpeg', ['+e1'], 0],
    ['JPEG-LS lossless', 'dcmcjpls', [], 0],
    ['JPEG-LS near-lossless', 'dcmcjpls', ['+en'], 2],
    ['RLE', 'dcmcrle', [], 0],
  ] as const)('12-bit gray %s keeps stored values', async (name, tool, args, limit) => {
    const ds = make(tool, [...args], 'g12.dcm', `g12-${name.replace(/\W+/g, '_')}.dcm`);
    expect(maxAbsDiff(await stored(ds), gray12)).toBeLessThanOrEqual(limit);
  });

  it('12-bit gray JPEG extended (dcmcjpeg +ee) renders within 2 gray levels of the source', async () => {
    const ds = make('dcmcjpeg', ['+ee'], 'g12.dcm', 'g12-ee.dcm');
    expect(ds.transferSyntaxUid).toBe('1.2.840.10008.1.2.4.51');
    const source = await decodeFrame(load('g12.dcm'));
    expect(meanAbsDiff((await decodeFrame(ds)).data, source.data)).toBeLessThanOrEqual(2);
  });

  it.each([
    ['JPEG lossless', 'dcmcjpeg', ['+el']],
    ['JPEG-LS lossless', 'dcmcjpls', []],
    ['RLE', 'dcmcrle', []],
  ] as const)('signed 16-bit %s keeps stored values', async (name, tool, args) => {
    const ds = make(tool, [...args], 's16.dcm', `s16-${name.replace(/\W+/g, '_')}.dcm`);
    expect(await stored(ds)).toEqual(Array.from(signed16));
  });

  it.each([
    ['implicit VR LE', '+ti'],
    ['explicit VR big endian', '+tb'],
    ['deflated explicit VR LE', '+td'],
  ])('dcmtk-written %s decodes like the explicit VR LE source', async (_n, flag) => {
    for (const src of ['g12.dcm', 's16.dcm', 'rgb.dcm']) {
      const ds = make('dcmconv', [flag], src, `${flag}-${src}`);
      expect(await stored(ds)).toEqual(await stored(load(src)));
      expect((await decodeFrame(ds)).data).toEqual((await decodeFrame(load(src))).data);
    }
  });

  it.each([
    ['RLE', 'dcmcrle', [], 0],
    ['JPEG baseline', 'dcmcjpeg', ['+eb'], 2],
    ['JPEG-LS', 'dcmcjpls', [], 0],
  ] as const)('multi-frame %s decodes every frame', async (name, tool, args, limit) => {
    const ds = make(tool, [...args], 'mf.dcm', `mf-${name.replace(/\W+/g, '_')}.dcm`);
    const images = await decodeFrames(ds);
    expect(images).toHaveLength(3);
    images.forEach((img, f) => expect(meanAbsDiff(img.data, frames8[f])).toBeLessThanOrEqual(limit));
  });

  it('groups JPEG fragments without an offset table: split frames, one frame per fragment, one frame in pieces', async () => {
    const ds = make('dcmcjpeg', ['+eb'], 'mf.dcm', 'mf-frag.dcm');
    const pd = ds.pixelData;
    if (!pd?.encapsulated) throw new Error('expected encapsulated pixel data');
    const jpegs = (await Promise.all([0, 1, 2].map((i) => decodeFrame(ds, i)))).map((i) => i.data);
    const frameBytes = groupFragments(ds);
    const base = { ...ds.elements, NumberOfFrames: 3 };
    const halves = frameBytes.map((b) => [b.subarray(0, 100), b.subarray(100)]);
    for (const [layout, table] of [
      [halves, false],
      [halves, true],
      [frameBytes.map((b) => [b]), false],
    ] as const) {
      const bytes = writeEncapsulated(base, ds.transferSyntaxUid, layout as Uint8Array[][], {
        offsetTable: table,
      });
      const back = await decodeFrames(readDicom(bytes));
      back.forEach((img, i) => expect(img.data).toEqual(jpegs[i]));
    }
    const single = writeEncapsulated({ ...base, NumberOfFrames: 1 }, ds.transferSyntaxUid, [halves[1]], {
      offsetTable: false,
    });
    expect((await decodeFrame(readDicom(single))).data).toEqual(jpegs[1]);
  });

  it('img2dcm wraps a JFIF JPEG (YBR_FULL_422) that decodes close to the source', async () => {
    runTool('dcmj2pnm', ['+oj', '+Jq', '95', file('rgb.dcm'), file('rgb.jpg')]);
    runTool('img2dcm', ['-i', 'JPEG', file('rgb.jpg'), file('rgb-jfif.dcm')]);
    const ds = load('rgb-jfif.dcm');
    expect([ds.transferSyntaxUid, ds.string('PhotometricInterpretation')]).toEqual([
      '1.2.840.10008.1.2.4.50',
      'YBR_FULL_422',
    ]);
    expect(meanAbsDiff((await decodeFrame(ds)).data, rgb)).toBeLessThanOrEqual(2);
  });
});

/** Each frame's bytes (fragments of one frame joined), via the offset table dcmtk wrote. */
function groupFragments(ds: DicomDataset): Uint8Array[] {
  const pd = ds.pixelData;
  if (!pd?.encapsulated) return [];
  const starts = pd.offsetTable.length > 0 ? pd.offsetTable : pd.fragments.map((f) => f.itemOffset);
  return starts.map((start, i) => {
    const end = starts[i + 1] ?? Infinity;
    const parts = pd.fragments.filter((f) => f.itemOffset >= start && f.itemOffset < end).map((f) => f.bytes);
    return Uint8Array.from(parts.flatMap((p) => [...p]));
  });
}
