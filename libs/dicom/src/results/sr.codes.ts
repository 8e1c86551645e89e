import type { StageLabel } from './results.types.js';

export interface Code {
  CodeValue: string;
  CodingSchemeDesignator: string;
  CodeMeaning: string;
}

const c = (CodeValue: string, CodingSchemeDesignator: string, CodeMeaning: string): Code => ({
  CodeValue,
  CodingSchemeDesignator,
  CodeMeaning,
});

/**
 * Codes used by the staging SR and where they come from.
 *
 * SNOMED CT (SCT), checked against published value sets:
 * - 415297005 "Retinopathy of prematurity": SNOMED id of the disorder as used by OpenEyes' CVI
 *   disorder tables and other clinical code maps (cross-checked, several sources agree).
 * - 408847006 "Retinopathy of prematurity stage 1 - demarcation line", 408848001 "... stage 2 -
 *   intraretinal ridge", 408849009 "... stage 3 - ridge with extraretinal fibrovascular
 *   proliferation": listed in HL7 FHIR ValueSet condition-stage (is-a filters; 408850009/408851008
 *   are stages 4/5). The ids were seen there; the stage 3 meaning is taken from the same series
 *   and was not shown verbatim by the source.
 * - 24028007 "Right", 7771000 "Left": DICOM CID 244 Laterality (via HL7's R5 cross-version page).
 * - 81745001 "Eye": as already used for AnatomicRegionSequence by tools/phantom; NOT verified by a
 *   search here (some references give "Eye structure"/"Entire eye" wording for nearby ids).
 * - 363698007 "Finding Site", 272741003 "Laterality": the SCT concept names DICOM TID 1501/1419 use;
 *   from memory of PS3.16, not verified by a search here.
 * DICOM (DCM), from memory of PS3.16 (not verified by a search here): 126000 Imaging Measurement
 * Report (CID 7021), 121049 Language of Content Item and Descendants, 121005 Observer Type,
 * 121007 Device, 121012 Device Observer UID, 121013 Device Observer Name, 121014 Device Observer
 * Manufacturer, 121015 Device Observer Model Name, 121058 Procedure reported, 125007 Measurement
 * Group, 112039 Tracking Identifier, 121071 Finding, 111001 Algorithm Name, 111003 Algorithm
 * Version (TID 4019), 111030 Image Region, 109102 Processing Equipment (CID 7005), 121322 Source
 * image for image processing operation (CID 7202).
 * 'no ROP', 'indeterminate', the confidence concept and the screening procedure have no code we
 * could verify, so they use the private scheme 99ROPLINE (PS3.16 8.1 allows "99"-prefixed local
 * schemes); replace them once a terminologist confirms standard concepts.
 */
export const Codes = {
  imagingMeasurementReport: c('126000', 'DCM', 'Imaging Measurement Report'),
  language: c('121049', 'DCM', 'Language of Content Item and Descendants'),
  english: c('en', 'RFC5646', 'English'),
  observerType: c('121005', 'DCM', 'Observer Type'),
  device: c('121007', 'DCM', 'Device'),
  deviceObserverUid: c('121012', 'DCM', 'Device Observer UID'),
  deviceObserverName: c('121013', 'DCM', 'Device Observer Name'),
  deviceObserverManufacturer: c('121014', 'DCM', 'Device Observer Manufacturer'),
  deviceObserverModelName: c('121015', 'DCM', 'Device Observer Model Name'),
  procedureReported: c('121058', 'DCM', 'Procedure reported'),
  ropScreening: c('ROP-SCREEN', '99ROPLINE', 'Retinopathy of prematurity screening'),
  measurementGroup: c('125007', 'DCM', 'Measurement Group'),
  trackingIdentifier: c('112039', 'DCM', 'Tracking Identifier'),
  finding: c('121071', 'DCM', 'Finding'),
  findingSite: c('363698007', 'SCT', 'Finding Site'),
  eye: c('81745001', 'SCT', 'Eye'),
  laterality: c('272741003', 'SCT', 'Laterality'),
  right: c('24028007', 'SCT', 'Right'),
  left: c('7771000', 'SCT', 'Left'),
  algorithmName: c('111001', 'DCM', 'Algorithm Name'),
  algorithmVersion: c('111003', 'DCM', 'Algorithm Version'),
  confidence: c('AI-CONF', '99ROPLINE', 'AI stage confidence'),
  probabilityUnit: c('{probability}', 'UCUM', 'probability'),
  imageRegion: c('111030', 'DCM', 'Image Region'),
  rop: c('415297005', 'SCT', 'Retinopathy of prematurity'),
} as const;

/** Coding Scheme Identification item (PS3.3 C.12.1.1.6) for the private scheme. */
export const PRIVATE_SCHEME = {
  CodingSchemeDesignator: '99ROPLINE',
  CodingSchemeName: 'ROPline local concepts',
  CodingSchemeResponsibleOrganization: 'ROPline',
};

/** The coded stage finding for a classifier label. */
export const STAGE_CODES: Record<StageLabel, Code> = {
  none: c('NO-ROP', '99ROPLINE', 'No retinopathy of prematurity detected'),
  stage1: c('408847006', 'SCT', 'Retinopathy of prematurity stage 1 - demarcation line'),
  stage2: c('408848001', 'SCT', 'Retinopathy of prematurity stage 2 - intraretinal ridge'),
  // The full SCT meaning ("... - ridge with extraretinal fibrovascular proliferation") exceeds
  // Code Meaning's LO limit of 64 characters, so the short form is used.
  stage3: c('408849009', 'SCT', 'Retinopathy of prematurity stage 3'),
  indeterminate: c('ROP-INDET', '99ROPLINE', 'Retinopathy of prematurity stage indeterminate'),
};
