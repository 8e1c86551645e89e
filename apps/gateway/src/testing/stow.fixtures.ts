import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { writeDicom } from '@ropline/dicom';
import { createImageDataset } from '@ropline/dicom/testing';

const require = createRequire(import.meta.url);

/** dicomweb-client 0.11 in Node needs the xhr2 polyfill (STACK.md). */
export function createDicomWebClient(baseUrl: string): {
  storeInstances(o: { datasets: ArrayBuffer[]; studyInstanceUID?: string }): Promise<string>;
} {
  (globalThis as { XMLHttpRequest?: unknown }).XMLHttpRequest ??= require('xhr2');
  const { api } = require('dicomweb-client') as {
    api: {
      DICOMwebClient: new (o: { url: string; verbose?: boolean }) => ReturnType<typeof createDicomWebClient>;
    };
  };
  return new api.DICOMwebClient({ url: `${baseUrl}/dicomweb`, verbose: false });
}

export interface TestInstance {
  bytes: Uint8Array;
  buffer: ArrayBuffer;
  sha256: string;
  sopInstanceUid: string;
  sopClassUid: string;
  studyUid: string;
  seriesUid: string;
}

let seq = 0;

/** A small Part-10 image with fake (obvious) patient attributes; `fill` changes the pixel bytes. */
export function makeInstance(
  opts: {
    studyUid?: string;
    sopInstanceUid?: string;
    size?: number;
    fill?: number;
    sopClassUid?: string;
    ts?: string;
  } = {},
): TestInstance {
  seq += 1;
  const size = opts.size ?? 8;
  const base = `2.25.${process.pid}${Date.now() % 100000}${seq}`;
  const studyUid = opts.studyUid ?? `${base}.1`;
  const seriesUid = `${studyUid}.9`;
  const sopInstanceUid = opts.sopInstanceUid ?? `${base}.3`;
  const ds = createImageDataset({
    rows: size,
    columns: size,
    pixelData: opts.ts ? [new Uint8Array(16)] : new Uint8Array(size * size).fill(opts.fill ?? seq % 256),
    sopClassUid: opts.sopClassUid,
    extra: {
      StudyInstanceUID: studyUid,
      SeriesInstanceUID: seriesUid,
      SOPInstanceUID: sopInstanceUid,
      InstanceNumber: seq,
      Modality: 'OP',
      Manufacturer: 'ROPline tests',
      ImageLaterality: 'R',
      PatientName: 'Secret^Patient',
      PatientID: 'PHI-ID-123',
      PatientBirthDate: '20260101',
      AccessionNumber: 'ACC-PHI-9',
    },
  });
  const bytes = writeDicom(ds, opts.ts ? { transferSyntaxUid: opts.ts } : {});
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return {
    bytes,
    buffer,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    sopInstanceUid,
    sopClassUid: opts.sopClassUid ?? '1.2.840.10008.5.1.4.1.1.7',
    studyUid,
    seriesUid,
  };
}

/** PHI values planted in every fixture: none may appear in logs. */
export const PLANTED_PHI = ['Secret^Patient', 'PHI-ID-123', '20260101', 'ACC-PHI-9'];

type Item = Record<string, { Value?: unknown[] }>;

/** Reads a STOW reply (a JSON string or object) into plain lists. */
export function readStowReply(reply: unknown): {
  retrieveUrl?: string;
  stored: { sopInstanceUid: string; sopClassUid: string; retrieveUrl: string }[];
  failed: { sopInstanceUid?: string; reason: number }[];
} {
  const body = (typeof reply === 'string' ? JSON.parse(reply) : reply) as Item;
  const seq = (tag: string) => (body[tag]?.Value ?? []) as Item[];
  return {
    retrieveUrl: body['00081190']?.Value?.[0] as string | undefined,
    stored: seq('00081199').map((i) => ({
      sopClassUid: i['00081150'].Value![0] as string,
      sopInstanceUid: i['00081155'].Value![0] as string,
      retrieveUrl: i['00081190'].Value![0] as string,
    })),
    failed: seq('00081198').map((i) => ({
      sopInstanceUid: i['00081155']?.Value?.[0] as string | undefined,
      reason: i['00081197'].Value![0] as number,
    })),
  };
}

/** A multipart/related body by hand (for raw fetch tests). */
export function multipartBody(boundary: string, parts: Uint8Array[]): Buffer {
  const chunks: Buffer[] = [];
  for (const p of parts) {
    chunks.push(
      Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`),
      Buffer.from(p),
      Buffer.from('\r\n'),
    );
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}
