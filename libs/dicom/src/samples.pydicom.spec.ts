import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodeFrame } from './pixel/frame.decode.js';
import { readDicom } from './reader/dicom.reader.js';
import { hasPydicom, pydicomPixels, withTempDir } from './testing/external.tools.js';
import { maxAbsDiff, meanAbsDiff } from './testing/pixels.util.js';

// Optional data (never committed): ../shared/data/dicom-samples next to the repository root.
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const samples = path.resolve(repoRoot, '../shared/data/dicom-samples');
const haveSamples = existsSync(samples);
const havePydicom = hasPydicom();
if (!haveSamples) console.warn(`[libs/dicom] SKIPPED real-sample tests: ${samples} not found`);
else if (!havePydicom)
  console.warn('[libs/dicom] real samples checked for sanity only: /usr/bin/python3 has no pydicom');

const CASES = [
  // [file, transfer syntax, header photometric, max abs diff vs pydicom, mean abs diff]
  ['SC_rgb_rle.dcm', '1.2.840.10008.1.2.5', 'RGB', 0, 0],
  // Same YBR_FULL_422 -> RGB equations as pydicom's convert_color_space; float32 there, float64 here.
  ['SC_ybr_full_422_uncompressed.dcm', '1.2.840.10008.1.2.1', 'YBR_FULL_422', 1, 0.01],
  // libjpeg-turbo converts YCbCr itself, Pillow + pydicom another way: identical here (measured), a
  // level or two allowed for other library versions.
  ['SC_rgb_jpeg_dcmtk.dcm', '1.2.840.10008.1.2.4.50', 'YBR_FULL', 2, 0.5],
] as const;

describe.skipIf(!haveSamples)('real-world colour samples (pydicom test files)', () => {
  it.each(CASES)('%s decodes like pydicom', async (name, ts, photometric, maxDiff, meanDiff) => {
    const file = path.join(samples, name);
    const ds = readDicom(readFileSync(file));
    expect([ds.transferSyntaxUid, ds.string('PhotometricInterpretation')]).toEqual([ts, photometric]);
    const img = await decodeFrame(ds);
    expect([img.width, img.height, img.channels]).toEqual([100, 100, 3]);
    // The pydicom test images are red/green/blue/gray bands: channel means near 128, none dark.
    const means = [0, 1, 2].map(
      (c) => img.data.filter((_, i) => i % 3 === c).reduce((a, b) => a + b, 0) / 10000,
    );
    for (const m of means) expect(m).toBeGreaterThan(100);
    if (!havePydicom) return;
    const oracle = await withTempDir((dir) => pydicomPixels(file, dir));
    expect(oracle).toMatchObject({ rows: 100, columns: 100, channels: 3 });
    expect(maxAbsDiff(img.data, oracle!.data)).toBeLessThanOrEqual(maxDiff);
    expect(meanAbsDiff(img.data, oracle!.data)).toBeLessThanOrEqual(meanDiff);
  });
});
