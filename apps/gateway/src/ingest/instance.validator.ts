import { RopError } from '@ropline/core';
import { getDefaultDecoderRegistry, readDicom, summarize, type DicomInfo } from '@ropline/dicom';

/** PS3.5 9.1: digits and dots, no leading zeros in a component, at most 64 characters. */
const UID = /^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*$/;
/** Storage SOP classes live under this root (PS3.4 Annex B, PS3.6 Annex A). */
const STORAGE_ROOT = '1.2.840.10008.5.1.4.1.1.';

/**
 * The only attributes ingest reads (validation, rows, routing, `summarize`): readDicom decodes just
 * these (header-only) while still scanning the whole object, so truncated or malformed input fails
 * as before. Keep in step with the reads below and with summarize() in libs/dicom.
 */
export const INGEST_KEYWORDS: readonly string[] = [
  'SOPClassUID',
  'SOPInstanceUID',
  'StudyInstanceUID',
  'SeriesInstanceUID',
  'InstanceNumber',
  'StationName',
  'Modality',
  'Manufacturer',
  'ManufacturerModelName',
  'ImageLaterality',
  'Laterality',
  'Rows',
  'Columns',
  'NumberOfFrames',
  'SamplesPerPixel',
  'PhotometricInterpretation',
  'BitsAllocated',
  'BitsStored',
  'PixelRepresentation',
  'PlanarConfiguration',
];

/** What the gateway keeps about an instance (PHI-free). */
export interface InstanceFacts {
  sopClassUid: string;
  sopInstanceUid: string;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  instanceNumber?: number;
  /** StationName (0008,1010), for routing rules (equipment, not PHI). */
  stationName?: string;
  info: DicomInfo;
}

function uidOf(value: string | undefined, name: string, meta: Record<string, string>): string {
  if (value === undefined) {
    throw new RopError('INGEST.INVALID_INSTANCE', `${name} is missing`, meta);
  }
  if (value.length > 64 || !UID.test(value)) {
    throw new RopError('INGEST.INVALID_UID', `${name} is not a valid UID`, meta);
  }
  return value;
}

/**
 * Parses Part-10 bytes and checks the instance is one the gateway stores: SOP Class/Instance,
 * Study and Series UIDs present and well-formed, a storage SOP class, a transfer syntax libs/dicom
 * reads. Errors carry the UIDs known so far in `meta` (UIDs are not PHI).
 */
export function validateInstance(bytes: Uint8Array, expectedStudyUid?: string): InstanceFacts {
  const ds = readDicom(bytes, { only: INGEST_KEYWORDS });
  const meta: Record<string, string> = {};
  const rawClass = ds.string('SOPClassUID') ?? (ds.meta.MediaStorageSOPClassUID as string | undefined);
  const rawInstance =
    ds.string('SOPInstanceUID') ?? (ds.meta.MediaStorageSOPInstanceUID as string | undefined);
  const sopClassUid = uidOf(rawClass, 'SOP Class UID (0008,0016)', meta);
  meta.sopClassUid = sopClassUid;
  const sopInstanceUid = uidOf(rawInstance, 'SOP Instance UID (0008,0018)', meta);
  meta.sopInstanceUid = sopInstanceUid;
  const studyInstanceUid = uidOf(ds.string('StudyInstanceUID'), 'Study Instance UID (0020,000D)', meta);
  const seriesInstanceUid = uidOf(ds.string('SeriesInstanceUID'), 'Series Instance UID (0020,000E)', meta);
  if (!sopClassUid.startsWith(STORAGE_ROOT)) {
    throw new RopError(
      'INGEST.SOP_CLASS_NOT_SUPPORTED',
      `SOP class ${sopClassUid} is not a storage class`,
      meta,
    );
  }
  if (!getDefaultDecoderRegistry().supports(ds.transferSyntaxUid)) {
    throw new RopError(
      'INGEST.TRANSFER_SYNTAX_NOT_SUPPORTED',
      `Transfer syntax ${ds.transferSyntaxUid} (${ds.transferSyntaxName}) is not supported`,
      { ...meta, transferSyntaxUid: ds.transferSyntaxUid },
    );
  }
  if (expectedStudyUid !== undefined && expectedStudyUid !== studyInstanceUid) {
    throw new RopError('INGEST.WRONG_STUDY', 'Instance belongs to another study than the request URL', {
      ...meta,
      studyInstanceUid,
    });
  }
  const n = ds.number('InstanceNumber');
  return {
    sopClassUid,
    sopInstanceUid,
    studyInstanceUid,
    seriesInstanceUid,
    instanceNumber: n !== undefined && Number.isInteger(n) && Math.abs(n) < 2 ** 31 ? n : undefined,
    stationName: ds.string('StationName'),
    info: summarize(ds),
  };
}
