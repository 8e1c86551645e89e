import type { Image8 } from '@ropline/core';
import { writeDicom } from '@ropline/dicom';
import { createImageDataset } from '@ropline/dicom/testing';
import { makeFundusLike } from '@ropline/testing';
import { makeTempDir, multipartBody, waitFor as gatewayWaitFor } from '@ropline/gateway/testing';

/** Ophthalmic Photography 8 Bit Image Storage. */
export const OP_8BIT = '1.2.840.10008.5.1.4.1.1.77.1.5.1';
/** Fake patient attributes planted in every fixture: none may reach a log, URL or API body. */
export const PLANTED_PHI = ['Secret^Reviewpatient', 'PHI-REV-77', '20260202', 'ACC-REV-5'];

let seq = 0;

export const newStudyUid = () => `2.25.${process.pid}${Date.now() % 1_000_000}${(seq += 1)}`;

/** A fundus-like RGB OP instance (Part 10 bytes); `corrupt` stores fine but cannot be decoded. */
export function makeOpInstance(
  studyUid: string,
  o: { laterality?: 'R' | 'L'; width?: number; height?: number; corrupt?: boolean; image?: Image8 } = {},
): { bytes: Uint8Array; sopInstanceUid: string } {
  seq += 1;
  const img = o.image ?? makeFundusLike(o.width ?? 120, o.height ?? 100, seq);
  const w = img.width;
  const h = img.height;
  const sopInstanceUid = `${studyUid}.${seq}`;
  const ds = createImageDataset({
    rows: h,
    columns: w,
    samplesPerPixel: 3,
    pixelData: o.corrupt ? img.data.slice(0, 301) : img.data,
    sopClassUid: OP_8BIT,
    extra: {
      StudyInstanceUID: studyUid,
      SeriesInstanceUID: `${studyUid}.0`,
      SOPInstanceUID: sopInstanceUid,
      InstanceNumber: seq,
      Modality: 'OP',
      Manufacturer: 'ROPline tests',
      PatientName: PLANTED_PHI[0],
      PatientID: PLANTED_PHI[1],
      PatientBirthDate: PLANTED_PHI[2],
      AccessionNumber: PLANTED_PHI[3],
      ...(o.laterality ? { ImageLaterality: o.laterality } : {}),
    },
  });
  return { bytes: writeDicom(ds), sopInstanceUid };
}

/** STOW-RS of Part-10 instances to `${base}/dicomweb/studies`; returns the HTTP status. */
export async function stow(base: string, instances: Uint8Array[], token?: string): Promise<number> {
  const boundary = `rop-${Date.now()}`;
  const res = await fetch(`${base}/dicomweb/studies`, {
    method: 'POST',
    headers: {
      'content-type': `multipart/related; type="application/dicom"; boundary=${boundary}`,
      accept: 'application/dicom+json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: multipartBody(boundary, instances),
  });
  await res.arrayBuffer();
  return res.status;
}

/** The gateway's poller with the arguments in this suite's order (what, then the limit). */
export const waitFor = <T>(probe: () => Promise<T | undefined>, what: string, ms = 90_000): Promise<T> =>
  gatewayWaitFor(probe, ms, what);

export { makeTempDir };
