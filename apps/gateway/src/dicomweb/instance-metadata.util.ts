import dcmjsModule from 'dcmjs';
import type { DicomDataset } from '@ropline/dicom';
import { sortTags, type DicomJson, type DicomJsonAttribute } from './dicom-json.util.js';

interface DcmjsData {
  DicomMetaDictionary: {
    denaturalizeDataset(ds: Record<string, unknown>): Record<string, DicomJsonAttribute>;
  };
}
const dcmjs = dcmjsModule as { data: DcmjsData };

const BINARY_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'UN']);
/** PS3.18 F.2.3: these VRs are JSON numbers (dcmjs may hand back strings). */
const NUMBER_VRS = new Set(['DS', 'FL', 'FD', 'IS', 'SL', 'SS', 'SV', 'UL', 'US', 'UV']);

function asNumber(v: unknown): unknown {
  if (typeof v !== 'string' || v.trim() === '') return v;
  const n = Number(v.trim());
  return Number.isFinite(n) ? n : v;
}

function toBytes(v: unknown): Uint8Array {
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  return new Uint8Array(0);
}

/** dcmjs's denaturalized form -> strict DICOM JSON (binary as InlineBinary, empty values dropped). */
function clean(ds: Record<string, DicomJsonAttribute>): DicomJson {
  const out: DicomJson = {};
  for (const [tag, a] of Object.entries(ds)) {
    if (!/^[0-9A-F]{8}$/i.test(tag) || tag.toUpperCase().startsWith('0002')) continue;
    const vr = a.vr;
    const values = (a.Value ?? []).filter((v) => v !== undefined && v !== null);
    if (values.length === 0) out[tag.toUpperCase()] = { vr };
    else if (BINARY_VRS.has(vr)) {
      out[tag.toUpperCase()] = { vr, InlineBinary: Buffer.concat(values.map(toBytes)).toString('base64') };
    } else if (vr === 'SQ') {
      out[tag.toUpperCase()] = {
        vr,
        Value: values.map((item) => clean(item as Record<string, DicomJsonAttribute>)),
      };
    } else if (NUMBER_VRS.has(vr)) out[tag.toUpperCase()] = { vr, Value: values.map(asNumber) };
    else out[tag.toUpperCase()] = { vr, Value: values };
  }
  return sortTags(out);
}

/**
 * The instance's header as DICOM JSON (PS3.18 F.2): File Meta and the Pixel Data value left out,
 * Pixel Data announced with a BulkDataURI (`bulkDataUri`, the frames resource).
 */
export function instanceMetadata(ds: DicomDataset, bulkDataUri: string): DicomJson {
  const json = clean(dcmjs.data.DicomMetaDictionary.denaturalizeDataset({ ...ds.elements }));
  delete json['7FE00010'];
  if (ds.pixelData) {
    const vr = !ds.pixelData.encapsulated && ds.pixelData.vr === 'OW' ? 'OW' : 'OB';
    json['7FE00010'] = { vr, BulkDataURI: bulkDataUri };
  }
  return sortTags(json);
}
