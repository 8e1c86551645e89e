import { open } from 'node:fs/promises';

/** A file to send with what its File Meta says (read from the first bytes, never the whole file). */
export interface DicomFile {
  file: string;
  size: number;
  sopClassUid?: string;
  sopInstanceUid?: string;
  transferSyntaxUid?: string;
  /** Where the data set starts (after the File Meta group). */
  datasetOffset?: number;
}

export interface SendOutcome {
  file: string;
  sopInstanceUid?: string;
  /** stored: acknowledged by the receiver; already: it held the same instance before this send. */
  status: 'stored' | 'already' | 'failed';
  /** e.g. 0xC000, DIMSE 0xA700, HTTP 415, NOT_DICOM. */
  reason?: string;
}

const META_READ = 64 * 1024;
const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'UC', 'UN', 'UR', 'UT', 'SV', 'UV']);

/**
 * Reads the Part-10 preamble and File Meta group (0002): `null` when there is no `DICM` at 128.
 * Explicit VR little endian by definition (PS3.10 7.1).
 */
export async function readDicomMeta(file: string): Promise<Omit<DicomFile, 'file' | 'size'> | null> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(META_READ);
    const { bytesRead } = await fh.read(buf, 0, META_READ, 0);
    if (bytesRead < 132 || buf.toString('latin1', 128, 132) !== 'DICM') return null;
    const meta: Omit<DicomFile, 'file' | 'size'> = {};
    let pos = 132;
    while (pos + 8 <= bytesRead && buf.readUInt16LE(pos) === 0x0002) {
      const element = buf.readUInt16LE(pos + 2);
      const vr = buf.toString('latin1', pos + 4, pos + 6);
      let len: number;
      let value: number;
      if (LONG_VRS.has(vr)) {
        if (pos + 12 > bytesRead) break;
        len = buf.readUInt32LE(pos + 8);
        value = pos + 12;
      } else {
        len = buf.readUInt16LE(pos + 6);
        value = pos + 8;
      }
      if (value + len > bytesRead) break;
      const text = () =>
        buf
          .toString('latin1', value, value + len)
          .replace(/[\0 ]+$/, '')
          .trim();
      if (element === 0x0002) meta.sopClassUid = text();
      else if (element === 0x0003) meta.sopInstanceUid = text();
      else if (element === 0x0010) meta.transferSyntaxUid = text();
      pos = value + len;
    }
    meta.datasetOffset = pos;
    return meta;
  } finally {
    await fh.close();
  }
}

/** `0x0122`-style hex of a DICOM status code. */
export const hex4 = (n: number) => `0x${n.toString(16).toUpperCase().padStart(4, '0')}`;
