import type { NaturalDataset } from '../reader/dcmjs.adapter.js';
import type { EquipmentFacts, ModelFacts } from './results.types.js';
import { charsetTerm } from './charset.encode.js';

/** Patient module (PS3.3 C.7.1.1): copied as given; Type 2 keys are written empty when absent. */
const PATIENT_KEYS = [
  'PatientName',
  'PatientID',
  'IssuerOfPatientID',
  'TypeOfPatientID',
  'IssuerOfPatientIDQualifiersSequence',
  'PatientBirthDate',
  'PatientBirthTime',
  'PatientSex',
  'OtherPatientIDsSequence',
  'PatientComments',
  'PatientIdentityRemoved',
  'DeidentificationMethod',
  'DeidentificationMethodCodeSequence',
];
/** General Study module (PS3.3 C.7.2.1) plus the Patient Study module's age/size/weight (C.7.2.2). */
const STUDY_KEYS = [
  'StudyInstanceUID',
  'StudyDate',
  'StudyTime',
  'ReferringPhysicianName',
  'StudyID',
  'AccessionNumber',
  'IssuerOfAccessionNumberSequence',
  'StudyDescription',
  'ProcedureCodeSequence',
  'PatientAge',
  'PatientSize',
  'PatientWeight',
];
const TYPE2_KEYS = new Set([
  'PatientName',
  'PatientID',
  'PatientBirthDate',
  'PatientSex',
  'StudyDate',
  'StudyTime',
  'ReferringPhysicianName',
  'StudyID',
  'AccessionNumber',
]);

/**
 * Same patient, same study (DESIGN.md: derived objects copy patient/study attributes). Specific
 * Character Set (0008,0005) is copied too, because the copied names were written in it.
 */
export function copyPatientStudy(source: Readonly<NaturalDataset>): NaturalDataset {
  const out: NaturalDataset = {};
  const term = charsetTerm(source.SpecificCharacterSet);
  if (term) out.SpecificCharacterSet = source.SpecificCharacterSet;
  for (const key of [...PATIENT_KEYS, ...STUDY_KEYS]) {
    const value = source[key];
    if (value !== undefined && value !== null) out[key] = value;
    else if (TYPE2_KEYS.has(key)) out[key] = '';
  }
  if (typeof out.StudyInstanceUID !== 'string' || out.StudyInstanceUID === '') {
    throw new TypeError('source has no StudyInstanceUID');
  }
  return out;
}

/** DA/TM/DT in UTC (PS3.5 6.2), with TimezoneOffsetFromUTC '+0000' written next to them. */
export function dicomDate(d: Date): string {
  return d.toISOString().slice(0, 10).replace(/-/g, '');
}
export function dicomTime(d: Date): string {
  const iso = d.toISOString();
  return `${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}.${iso.slice(20, 23)}`;
}
export function dicomDateTime(d: Date): string {
  // Six fraction digits keep the DT value at an even length (26), so it needs no padding space.
  return `${dicomDate(d)}${dicomTime(d)}000+0000`;
}

export const code = (CodeValue: string, CodingSchemeDesignator: string, CodeMeaning: string) => ({
  CodeValue,
  CodingSchemeDesignator,
  CodeMeaning,
});

/**
 * Contributing Equipment Sequence (PS3.3 C.12.1, SOP Common): ROPline and the model that produced
 * the content. Purpose of Reference from CID 7005: (109102, DCM, "Processing Equipment"), the
 * equipment that processed the source into this derived object ("Modifying Equipment", 109103, is
 * for equipment that changed an existing instance in place).
 */
export function contributingEquipment(
  model: ModelFacts,
  at: Date,
  eq: EquipmentFacts = {},
): NaturalDataset[] {
  return [
    {
      PurposeOfReferenceCodeSequence: [code('109102', 'DCM', 'Processing Equipment')],
      Manufacturer: 'ROPline',
      ...(eq.institutionName ? { InstitutionName: eq.institutionName } : {}),
      ManufacturerModelName: model.name,
      SoftwareVersions: model.version,
      ContributionDateTime: dicomDateTime(at),
      ContributionDescription: `ROP staging by ${model.name} ${model.version}`,
    },
  ];
}

/** General Equipment (C.7.5.1) and SOP Common creation attributes (C.12.1) shared by both builders. */
export function equipmentAndCreation(at: Date, eq: EquipmentFacts = {}): NaturalDataset {
  return {
    Manufacturer: eq.manufacturer ?? 'ROPline',
    ...(eq.institutionName ? { InstitutionName: eq.institutionName } : {}),
    ...(eq.softwareVersions ? { SoftwareVersions: eq.softwareVersions } : {}),
    InstanceCreationDate: dicomDate(at),
    InstanceCreationTime: dicomTime(at),
    TimezoneOffsetFromUTC: '+0000',
  };
}

/** Every string value in the dataset, recursively (to choose a character set that holds them). */
export function collectTexts(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) collectTexts(v, out);
  else if (
    value &&
    typeof value === 'object' &&
    !ArrayBuffer.isView(value) &&
    !(value instanceof ArrayBuffer)
  ) {
    for (const v of Object.values(value)) collectTexts(v, out);
  }
  return out;
}
