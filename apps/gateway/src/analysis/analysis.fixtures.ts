import { writeDicom } from '@ropline/dicom';
import { createImageDataset } from '@ropline/dicom/testing';
import { makeFundusLike } from '@ropline/testing';

/** Ophthalmic Photography 8 Bit Image Storage. */
export const OP_8BIT = '1.2.840.10008.5.1.4.1.1.77.1.5.1';

let seq = 0;

export interface OpInstance {
  buffer: ArrayBuffer;
  sopInstanceUid: string;
}

/**
 * A fundus-like RGB image as a Part-10 instance (test fixture; fake patient). `corrupt` cuts the
 * pixel data short so that the object stores fine but its frame cannot be decoded.
 */
export function makeOpInstance(
  studyUid: string,
  o: {
    laterality?: string;
    sopClassUid?: string;
    modality?: string;
    manufacturer?: string;
    corrupt?: boolean;
  } = {},
): OpInstance {
  seq += 1;
  const w = 120;
  const h = 100;
  const img = makeFundusLike(w, h, seq);
  const sopInstanceUid = `${studyUid}.${seq}`;
  const ds = createImageDataset({
    rows: h,
    columns: w,
    samplesPerPixel: 3,
    pixelData: o.corrupt ? img.data.slice(0, 301) : img.data,
    sopClassUid: o.sopClassUid ?? OP_8BIT,
    extra: {
      StudyInstanceUID: studyUid,
      SeriesInstanceUID: `${studyUid}.0`,
      SOPInstanceUID: sopInstanceUid,
      InstanceNumber: seq,
      Modality: o.modality ?? 'OP',
      Manufacturer: o.manufacturer ?? 'ROPline tests',
      ...(o.laterality ? { ImageLaterality: o.laterality } : {}),
    },
  });
  const bytes = writeDicom(ds);
  return {
    buffer: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
    sopInstanceUid,
  };
}

export const newStudyUid = () => `2.25.${process.pid}${Date.now() % 1_000_000}${(seq += 1)}`;

/** Polls `probe` until it returns a value other than undefined (or throws after `ms`). */
export async function waitFor<T>(
  probe: () => Promise<T | undefined>,
  ms = 60_000,
  what = 'condition',
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
