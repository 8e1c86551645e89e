import { describe, expect, it } from 'vitest';
import { writeDicom } from '../dicom.writer.js';
import { readDicom } from '../reader/dicom.reader.js';
import { captionGeometry } from './caption.render.js';
import { EDGE_RGB, FILL_ALPHA, LINE_RGB } from './overlay.render.js';
import { dciodvfyFindings, runOn } from '../testing/dicom-validators.js';
import {
  blockMask,
  COLUMNS,
  CREATED_AT,
  fundusRgb,
  lineMask,
  MODEL,
  OP_SOP_CLASS,
  overlayInput,
  ROWS,
  sourceHeader,
} from './results.fixtures.js';
import { buildOverlaySc, MF_TRUE_COLOR_SC_SOP_CLASS } from './sc.builder.js';

const BAND = captionGeometry(COLUMNS).height;

function pixelsOf(bytes: Uint8Array): Uint8Array {
  const ds = readDicom(bytes);
  if (!ds.pixelData || ds.pixelData.encapsulated) throw new Error('expected native pixel data');
  return ds.pixelData.bytes;
}
const px = (p: Uint8Array, x: number, y: number) => [
  ...p.subarray((y * COLUMNS + x) * 3, (y * COLUMNS + x) * 3 + 3),
];

describe('buildOverlaySc', () => {
  it('passes dciodvfy with no errors and no warnings', async () => {
    const variants = [
      overlayInput(),
      overlayInput({ style: 'fill', mask: blockMask() }),
      overlayInput({
        mask: null,
        source: sourceHeader({ NumberOfFrames: 4, SpecificCharacterSet: 'ISO_IR 100' }),
        frameNumber: 2,
      }),
    ];
    for (const input of variants) {
      const run = await runOn('dciodvfy', buildOverlaySc(input).bytes);
      if (!run) return;
      const { errors, warnings } = dciodvfyFindings(run.output);
      expect(errors).toEqual([]);
      expect(warnings).toEqual([]);
      expect(run.output).toContain('MultiframeTrueColorSCImage');
    }
  });

  it('is read by dcmdump', async () => {
    const built = buildOverlaySc(overlayInput());
    const run = await runOn('dcmdump', built.bytes);
    if (!run) return;
    expect(run.status).toBe(0);
    expect(run.output).toContain(built.sopInstanceUid);
    expect(run.output).toContain('(0028,0004) CS [RGB]');
  });

  it('writes the derived-object attributes', () => {
    const built = buildOverlaySc(overlayInput());
    const e = readDicom(built.bytes).elements;
    const src = sourceHeader();
    expect(built.sopClassUid).toBe(MF_TRUE_COLOR_SC_SOP_CLASS);
    expect(e.SOPClassUID).toBe(MF_TRUE_COLOR_SC_SOP_CLASS);
    expect(e.SOPInstanceUID).toBe(built.sopInstanceUid);
    expect(e.SeriesInstanceUID).toBe(built.seriesInstanceUid);
    expect(e.StudyInstanceUID).toBe(src.StudyInstanceUID);
    expect(built.studyInstanceUid).toBe(src.StudyInstanceUID);
    expect(e.SeriesInstanceUID).not.toBe(src.SeriesInstanceUID);
    for (const key of [
      'PatientID',
      'PatientBirthDate',
      'PatientSex',
      'StudyDate',
      'StudyTime',
      'StudyID',
      'AccessionNumber',
    ]) {
      expect(e[key], key).toBe(src[key]);
    }
    expect(e.ReferringPhysicianName).toEqual([{ Alphabetic: 'Ref^Doc' }]);
    expect(e.Modality).toBe('OT');
    expect(e.SeriesNumber).toBe(9001);
    expect(e.SeriesDescription).toBe('ROP AI overlay');
    expect(e.ImageType).toEqual(['DERIVED', 'SECONDARY']);
    expect(e.ConversionType).toBe('WSD');
    expect(e.BurnedInAnnotation).toBe('YES');
    expect(e.ImageLaterality).toBe('R');
    expect(e.ContentDate).toBe('20260302');
    expect(e.ContentTime).toBe('080910.123');
    expect(e.InstanceNumber).toBe(1);
    expect(e.NumberOfFrames).toBe(1);
    expect(e.SamplesPerPixel).toBe(3);
    expect(e.PhotometricInterpretation).toBe('RGB');
    expect(e.PlanarConfiguration).toBe(0);
    expect([e.BitsAllocated, e.BitsStored, e.HighBit, e.PixelRepresentation]).toEqual([8, 8, 7, 0]);
    expect(e.Rows).toBe(ROWS + BAND);
    expect(e.Columns).toBe(COLUMNS);
    expect(String(e.DerivationDescription)).toMatch(/not for diagnostic use/i);
    expect(e.ImageComments).toBe('AI result - not for diagnostic use');
    const source = (e.SourceImageSequence as Record<string, unknown>[])[0];
    expect(source.ReferencedSOPClassUID).toBe(OP_SOP_CLASS);
    expect(source.ReferencedSOPInstanceUID).toBe(src.SOPInstanceUID);
    expect(source.ReferencedFrameNumber).toBeUndefined(); // single-frame source
    expect((source.PurposeOfReferenceCodeSequence as Record<string, unknown>[])[0].CodeValue).toBe('121322');
    const eq = (e.ContributingEquipmentSequence as Record<string, unknown>[])[0];
    expect(eq.Manufacturer).toBe('ROPline');
    expect(eq.ManufacturerModelName).toBe(MODEL.name);
    expect(eq.SoftwareVersions).toBe(MODEL.version);
    expect((eq.PurposeOfReferenceCodeSequence as Record<string, unknown>[])[0]).toMatchObject({
      CodeValue: '109102',
      CodingSchemeDesignator: 'DCM',
    });
  });

  it('references the analysed frame of a multi-frame source', () => {
    const built = buildOverlaySc(
      overlayInput({ source: sourceHeader({ NumberOfFrames: 4 }), frameNumber: 3 }),
    );
    const source = (readDicom(built.bytes).elements.SourceImageSequence as Record<string, unknown>[])[0];
    expect(source.ReferencedFrameNumber).toBe(3);
  });

  it('derives UIDs deterministically: same input, same bytes; model version or style changes them', () => {
    const a = buildOverlaySc(overlayInput());
    const b = buildOverlaySc(overlayInput({ rgb: fundusRgb(), mask: lineMask() }));
    expect(Buffer.from(b.bytes).equals(Buffer.from(a.bytes))).toBe(true);
    const v2 = buildOverlaySc(overlayInput({ analysis: { ...MODEL, version: '1.5.0' } }));
    expect(v2.sopInstanceUid).not.toBe(a.sopInstanceUid);
    expect(v2.seriesInstanceUid).not.toBe(a.seriesInstanceUid);
    const fill = buildOverlaySc(overlayInput({ style: 'fill' }));
    expect(fill.sopInstanceUid).not.toBe(a.sopInstanceUid);
    expect(fill.seriesInstanceUid).toBe(a.seriesInstanceUid);
    const frame2 = buildOverlaySc(overlayInput({ frameNumber: 2 }));
    expect(frame2.sopInstanceUid).not.toBe(a.sopInstanceUid);
    // Only createdAt-derived attributes differ for a later build of the same result.
    const later = buildOverlaySc(overlayInput({ createdAt: new Date(CREATED_AT.getTime() + 1000) }));
    expect(later.sopInstanceUid).toBe(a.sopInstanceUid);
  });

  it.each([
    ['ISO_IR 192', 'utf8'],
    ['ISO_IR 100', 'latin1'],
  ] as const)('copies SpecificCharacterSet %s and encodes the patient name in it', (charset, encoding) => {
    const built = buildOverlaySc(overlayInput({ source: sourceHeader({ SpecificCharacterSet: charset }) }));
    const raw = Buffer.from(built.bytes);
    expect(raw.includes(Buffer.from(`${charset}`, 'latin1'))).toBe(true);
    expect(raw.includes(Buffer.from('Müller^Zoë', encoding))).toBe(true);
    if (encoding === 'latin1') expect(raw.includes(Buffer.from('Müller^Zoë', 'utf8'))).toBe(false);
    const e = readDicom(built.bytes).elements;
    expect(e.PatientName).toEqual([{ Alphabetic: 'Müller^Zoë' }]);
  });

  it('accepts a header as readDicom returns it (PN objects, the source charset kept)', () => {
    // writeDicom encodes the text in the declared single-byte set: a real Latin-1 source file.
    const file = writeDicom({ ...sourceHeader({ SpecificCharacterSet: 'ISO_IR 100' }), Rows: 1, Columns: 1 });
    expect(Buffer.from(file).includes(Buffer.from('Müller^Zoë', 'latin1'))).toBe(true);
    const header = readDicom(file).elements;
    expect(header.SpecificCharacterSet).toBe('ISO_IR 100');
    const built = buildOverlaySc(overlayInput({ source: header })).bytes;
    expect(Buffer.from(built).includes(Buffer.from('Müller^Zoë', 'latin1'))).toBe(true);
    const e = readDicom(built).elements;
    expect(e.PatientName).toEqual([{ Alphabetic: 'Müller^Zoë' }]);
    expect(e.ReferringPhysicianName).toEqual([{ Alphabetic: 'Ref^Doc' }]);
    expect(e.SpecificCharacterSet).toBe('ISO_IR 100');
  });

  it('outline: paints the mask in the line colour, a dark rim outside, leaves far pixels alone', () => {
    const src = fundusRgb();
    const p = pixelsOf(buildOverlaySc(overlayInput()).bytes);
    const mask = lineMask();
    for (let y = 0; y < ROWS; y++) {
      for (let x = 0; x < COLUMNS; x++) {
        if (mask[y * COLUMNS + x]) expect(px(p, x, y), `mask ${x},${y}`).toEqual([...LINE_RGB]);
      }
    }
    // The 3 px contour straddles the boundary (rows 29..33 here); the rim is 1 px beyond it.
    expect(px(p, 40, 29)).toEqual([...LINE_RGB]);
    expect(px(p, 40, 28)).toEqual([...EDGE_RGB]);
    expect(px(p, 40, 34)).toEqual([...EDGE_RGB]);
    for (const [x, y] of [
      [0, 0],
      [40, 27],
      [40, 35],
      [80, 50],
      [17, 31],
    ]) {
      const i = (y * COLUMNS + x) * 3;
      expect(px(p, x, y), `far ${x},${y}`).toEqual([...src.subarray(i, i + 3)]);
    }
  });

  it('fill: tints the interior translucently and outlines the boundary', () => {
    const src = fundusRgb();
    const p = pixelsOf(buildOverlaySc(overlayInput({ style: 'fill', mask: blockMask() })).bytes);
    const i = (15 * COLUMNS + 45) * 3; // interior of the 12x12 block, > 1 px from its edge
    const blend = [0, 1, 2].map((c) => Math.round(FILL_ALPHA * LINE_RGB[c] + (1 - FILL_ALPHA) * src[i + c]));
    expect(px(p, 45, 15)).toEqual(blend);
    expect(px(p, 40, 10)).toEqual([...LINE_RGB]); // corner = boundary
    expect(px(p, 41, 11)).toEqual([...LINE_RGB]); // boundary widened by 1 px
    expect(px(p, 45, 9)).toEqual([...LINE_RGB]); // contour straddles the boundary
    expect(px(p, 45, 8)).toEqual([...EDGE_RGB]);
    const far = (2 * COLUMNS + 2) * 3;
    expect(px(p, 2, 2)).toEqual([...src.subarray(far, far + 3)]);
  });

  it('without a line, the image area equals the source and the caption band is appended', () => {
    const src = fundusRgb();
    const p = pixelsOf(buildOverlaySc(overlayInput({ mask: null })).bytes);
    expect(p.length).toBe((ROWS + BAND) * COLUMNS * 3);
    expect(Buffer.from(p.subarray(0, src.length)).equals(Buffer.from(src))).toBe(true);
    const band = p.subarray(src.length);
    let dark = 0;
    let bright = 0;
    for (let k = 0; k < band.length; k += 3) {
      const lum = band[k] + band[k + 1] + band[k + 2];
      if (lum === 0) dark++;
      if (lum > 600) bright++;
    }
    expect(dark).toBeGreaterThan(band.length / 3 / 2); // mostly black background
    expect(bright).toBeGreaterThan(50); // white glyph pixels: the text was rendered
  });

  it('rejects inconsistent pixel buffers', () => {
    expect(() => buildOverlaySc(overlayInput({ rgb: new Uint8Array(5) }))).toThrow(RangeError);
    expect(() => buildOverlaySc(overlayInput({ mask: new Uint8Array(5) }))).toThrow(RangeError);
  });
});
