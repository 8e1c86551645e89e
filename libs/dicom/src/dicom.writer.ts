import { deflateRawSync } from 'node:zlib';
import { DicomErrorCode, dicomError, wrapForeign } from './dicom.errors.js';
import { NATIVE_TRANSFER_SYNTAXES, TransferSyntax } from './uid.constants.js';
import { dcmjs, type NaturalDataset } from './reader/dcmjs.adapter.js';
import { buildPart10, byteSyntaxOf, concatBytes, findMetaStart, scanMeta } from './reader/part10.scanner.js';
import { charsetTerm, encodeDatasetText, UTF8_TERM } from './charset/charset.js';

/** ROPline's Implementation Class UID (PS3.7 D.3.3.2), a 2.25 UUID-derived UID; never change it. */
export const IMPLEMENTATION_CLASS_UID = '2.25.170219164617315623049624683011328449281';
export const IMPLEMENTATION_VERSION_NAME = 'ROPLINE_0_1';

export interface WriteOptions {
  /** Default explicit VR little endian. Encapsulated syntaxes need PixelData as one buffer per frame. */
  transferSyntaxUid?: string;
}

type PixelInput = ArrayBuffer | ArrayBufferView | (ArrayBuffer | ArrayBufferView)[];

/**
 * Writes a naturalized dataset (dcmjs keywords) as Part-10 bytes with File Meta Information built
 * from SOPClassUID/SOPInstanceUID. PixelData may be a typed array (native) or an array of per-frame
 * encoded buffers (encapsulated). Native 8-bit pixel data is written as OB, wider as OW; for big
 * endian, OW words are swapped here because dcmjs writes OW bytes as given.
 *
 * Text (SH, LO, ST, LT, UT, PN, UC, nested items included) is encoded in the dataset's Specific
 * Character Set (0008,0005) when it is a single-byte term (e.g. 'ISO_IR 100' -> Latin-1 bytes).
 * When a value does not fit that set (or the set is absent / ISO_IR 6 / not encodable here, such as
 * ISO 2022 or GB18030, and the text is not pure ASCII), the object is written as UTF-8 with
 * SpecificCharacterSet 'ISO_IR 192' instead, so the label always matches the bytes.
 */
export function writeDicom(dataset: NaturalDataset, opts: WriteOptions = {}): Uint8Array {
  const ts = opts.transferSyntaxUid ?? TransferSyntax.ExplicitVRLittleEndian;
  const deflate = ts === TransferSyntax.DeflatedExplicitVRLittleEndian;
  const native = NATIVE_TRANSFER_SYNTAXES.includes(ts);
  try {
    const ds: NaturalDataset = { ...dataset };
    const vrMap = { ...((ds._vrMap as Record<string, string> | undefined) ?? {}) };
    const bigEndian = ts === TransferSyntax.ExplicitVRBigEndian;
    if (ds.PixelData !== undefined) {
      const bitsAllocated = Number(ds.BitsAllocated ?? 8);
      vrMap.PixelData ??= native && bitsAllocated > 8 ? 'OW' : 'OB';
      const word = bigEndian && vrMap.PixelData === 'OW' ? (bitsAllocated === 32 ? 4 : 2) : 1;
      ds.PixelData = pixelBuffers(ds.PixelData as PixelInput, native, word);
    }
    // dcmjs writes OW bytes as given; big endian needs its 16-bit words swapped (e.g. palette LUT data).
    if (bigEndian) {
      for (const [key, value] of Object.entries(ds)) {
        const isOw = dcmjs.data.DicomMetaDictionary.nameMap[key]?.vr === 'OW' && key !== 'PixelData';
        if (isOw && (value instanceof ArrayBuffer || ArrayBuffer.isView(value)))
          ds[key] = pixelBuffers(value, true, 2)[0];
      }
    }
    ds._vrMap = vrMap;
    const syntax = byteSyntaxOf(deflate ? TransferSyntax.ExplicitVRLittleEndian : ts);
    let bytes = encodeText(writeWithDcmjs(ds, ts, deflate), syntax, charsetTerm(ds.SpecificCharacterSet));
    if (bytes === null) {
      // Some text does not fit the declared set: UTF-8, labelled as such.
      bytes = writeWithDcmjs({ ...ds, SpecificCharacterSet: UTF8_TERM }, ts, deflate);
    }
    return deflate ? deflated(bytes) : bytes;
  } catch (e) {
    throw wrapForeign(e, DicomErrorCode.WRITE_FAILED, `Writing DICOM with transfer syntax ${ts} failed`);
  }
}

function writeWithDcmjs(ds: NaturalDataset, ts: string, deflate: boolean): Uint8Array {
  const meta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: ds.SOPClassUID,
    MediaStorageSOPInstanceUID: ds.SOPInstanceUID,
    TransferSyntaxUID: deflate ? TransferSyntax.ExplicitVRLittleEndian : ts,
    ImplementationClassUID: IMPLEMENTATION_CLASS_UID,
    ImplementationVersionName: IMPLEMENTATION_VERSION_NAME,
  };
  const { DicomDict, DicomMetaDictionary } = dcmjs.data;
  const dict = new DicomDict(DicomMetaDictionary.denaturalizeDataset(meta));
  dict.dict = DicomMetaDictionary.denaturalizeDataset(ds);
  return new Uint8Array(dict.write({ fragmentMultiframe: false }));
}

/** dcmjs wrote the text as UTF-8: re-encode the dataset's text in `term` (null: it does not fit). */
function encodeText(
  part10: Uint8Array,
  syntax: ReturnType<typeof byteSyntaxOf>,
  term: string,
): Uint8Array | null {
  const { datasetOffset } = scanMeta(part10, findMetaStart(part10) ?? 132);
  const body = part10.subarray(datasetOffset);
  const encoded = encodeDatasetText(body, syntax, term);
  if (encoded === null) return null;
  return encoded === body ? part10 : concatBytes([part10.subarray(0, datasetOffset), encoded]);
}

/** Re-encodes an explicit VR LE Part-10 stream as deflated explicit VR LE (PS3.5 A.5). */
function deflated(bytes: Uint8Array): Uint8Array {
  const meta = scanMeta(bytes, findMetaStart(bytes) ?? 132);
  const body = deflateRawSync(bytes.subarray(meta.datasetOffset));
  return buildPart10(meta.elements, TransferSyntax.DeflatedExplicitVRLittleEndian, [body]);
}

/** Copies each buffer, reversing every `word`-byte group (1 = no swap). */
function pixelBuffers(value: PixelInput, native: boolean, word: number): ArrayBuffer[] {
  const list = Array.isArray(value) ? value : [value];
  if (native && list.length !== 1) {
    throw dicomError(
      DicomErrorCode.WRITE_FAILED,
      'Native PixelData must be a single buffer holding all frames',
    );
  }
  return list.map((v) => {
    const bytes =
      v instanceof ArrayBuffer ? new Uint8Array(v) : new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
    const copy = bytes.slice();
    if (word > 1) for (let i = 0; i + word <= copy.length; i += word) copy.subarray(i, i + word).reverse();
    return copy.buffer;
  });
}
