import { createRequire } from 'node:module';
import { writeDicom } from '@ropline/dicom';
import { createImageDataset } from '@ropline/dicom/testing';
import type { TestInstance } from '../testing/stow.fixtures.js';
import { makeInstance } from '../testing/stow.fixtures.js';

const require = createRequire(import.meta.url);
type Json = Record<string, { vr: string; Value?: unknown[]; BulkDataURI?: string }>;
interface Uids {
  studyInstanceUID: string;
  seriesInstanceUID: string;
  sopInstanceUID: string;
}

/** The dicomweb-client 0.11 calls the QIDO/WADO tests use. */
export interface QidoWadoClient {
  storeInstances(o: { datasets: ArrayBuffer[] }): Promise<string>;
  searchForStudies(o?: { queryParams?: Record<string, unknown> }): Promise<Json[]>;
  searchForSeries(o?: { studyInstanceUID?: string; queryParams?: Record<string, unknown> }): Promise<Json[]>;
  searchForInstances(o?: {
    studyInstanceUID?: string;
    seriesInstanceUID?: string;
    queryParams?: Record<string, unknown>;
  }): Promise<Json[]>;
  retrieveInstance(o: Uids): Promise<ArrayBuffer>;
  retrieveSeries(o: Omit<Uids, 'sopInstanceUID'>): Promise<ArrayBuffer[]>;
  retrieveStudy(o: Pick<Uids, 'studyInstanceUID'>): Promise<ArrayBuffer[]>;
  retrieveInstanceMetadata(o: Uids): Promise<Json[]>;
  retrieveInstanceFrames(o: Uids & { frameNumbers: number[] }): Promise<ArrayBuffer[]>;
  retrieveInstanceRendered(o: Uids & { mediaTypes?: { mediaType: string }[] }): Promise<ArrayBuffer>;
}

/** dicomweb-client 0.11 in Node with the xhr2 polyfill (STACK.md). */
export function createQidoWadoClient(baseUrl: string): QidoWadoClient {
  (globalThis as { XMLHttpRequest?: unknown }).XMLHttpRequest ??= require('xhr2');
  const { api } = require('dicomweb-client') as {
    api: { DICOMwebClient: new (o: { url: string; verbose?: boolean }) => QidoWadoClient };
  };
  return new api.DICOMwebClient({ url: `${baseUrl}/dicomweb`, verbose: false });
}

export const uidsOf = (i: TestInstance): Uids => ({
  studyInstanceUID: i.studyUid,
  seriesInstanceUID: i.seriesUid,
  sopInstanceUID: i.sopInstanceUid,
});

/** A 2-frame RGB 10x6 instance in `studyUid` (own series), pixel values by position and frame. */
export function makeRgbMultiframe(studyUid: string, suffix: string): TestInstance {
  const base = makeInstance({ studyUid });
  const [rows, columns, frames] = [6, 10, 2];
  const pixels = new Uint8Array(rows * columns * 3 * frames).map((_, k) => (k * 7) % 251);
  const seriesUid = `${studyUid}.${suffix}`;
  const sopInstanceUid = `${seriesUid}.1`;
  const ds = createImageDataset({
    rows,
    columns,
    samplesPerPixel: 3,
    frames,
    pixelData: pixels,
    extra: {
      StudyInstanceUID: studyUid,
      SeriesInstanceUID: seriesUid,
      SOPInstanceUID: sopInstanceUid,
      Modality: 'XC',
      InstanceNumber: 1,
      ImageLaterality: 'L',
      PatientName: 'Secret^Patient',
      PatientID: 'PHI-ID-123',
      _vrMap: { PixelData: 'OB' },
    },
  });
  const bytes = writeDicom(ds);
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return { ...base, bytes, buffer, sopInstanceUid, seriesUid, sha256: '' };
}

/** First value of a DICOM JSON attribute. */
export const value = (ds: Json, tag: string): unknown => ds[tag]?.Value?.[0];
