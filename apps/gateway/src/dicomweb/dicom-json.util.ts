import dcmjsModule from 'dcmjs';

const nameMap = (
  dcmjsModule as { data: { DicomMetaDictionary: { nameMap: Record<string, { tag?: string }> } } }
).data.DicomMetaDictionary.nameMap;

/** `StudyDate` -> `00080020` from the standard dictionary (own table first). */
function tagOfKeyword(keyword: string): string | undefined {
  const own = TAG_OF[keyword];
  if (own) return own;
  const tag = Object.hasOwn(nameMap, keyword) ? nameMap[keyword]?.tag : undefined;
  const hex = tag?.replace(/[(),]/g, '').toUpperCase();
  return hex && /^[0-9A-F]{8}$/.test(hex) ? hex : undefined;
}

/** DICOM JSON Model (PS3.18 F.2): tag -> {vr, Value}. */
export type DicomJsonAttribute = {
  vr: string;
  Value?: unknown[];
  BulkDataURI?: string;
  InlineBinary?: string;
};
export type DicomJson = Record<string, DicomJsonAttribute>;

/** One attribute; undefined/null values become an attribute without Value (present, empty). */
export function attr(vr: string, value: unknown): DicomJsonAttribute {
  return value === undefined || value === null
    ? { vr }
    : { vr, Value: Array.isArray(value) ? value : [value] };
}

/** Keeps attributes in ascending tag order, as PS3.18 F.2.1 asks. */
export function sortTags(ds: DicomJson): DicomJson {
  const out: DicomJson = {};
  for (const tag of Object.keys(ds).sort()) out[tag] = ds[tag];
  return out;
}

/** Keywords the QIDO replies know, for `includefield` given as keywords. */
const TAG_OF: Record<string, string> = {
  SOPClassUID: '00080016',
  SOPInstanceUID: '00080018',
  Modality: '00080060',
  ModalitiesInStudy: '00080061',
  Manufacturer: '00080070',
  RetrieveURL: '00081190',
  ManufacturerModelName: '00081090',
  AvailableTransferSyntaxUID: '00083002',
  StudyInstanceUID: '0020000D',
  SeriesInstanceUID: '0020000E',
  InstanceNumber: '00200013',
  ImageLaterality: '00200062',
  NumberOfStudyRelatedSeries: '00201206',
  NumberOfStudyRelatedInstances: '00201208',
  NumberOfSeriesRelatedInstances: '00201209',
  NumberOfFrames: '00280008',
  Rows: '00280010',
  Columns: '00280011',
};

/**
 * Applies `includefield`: the default attributes are always returned; extra ones named by keyword
 * or tag are added (empty) when this server does not hold them, so a client sees they were heard.
 */
export function withIncludeFields(ds: DicomJson, includefield: readonly string[]): DicomJson {
  for (const f of includefield) {
    if (f === 'all') continue;
    const tag = tagOfKeyword(f) ?? (/^[0-9A-Fa-f]{8}$/.test(f) ? f.toUpperCase() : undefined);
    if (tag && !(tag in ds)) ds[tag] = { vr: 'UN' };
  }
  return sortTags(ds);
}
