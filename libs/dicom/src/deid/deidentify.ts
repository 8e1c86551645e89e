import { createHmac } from 'node:crypto';
import { dcmjs, type NaturalDataset } from '../reader/dcmjs.adapter.js';
import { BASIC_PROFILE, DUMMY_BY_VR, PATIENT_CHARACTERISTICS, type DeidAction } from './deid.profile.js';

export interface DeidOptions {
  /** Secret for the UID mapping: same salt + same UID -> same new UID (references stay intact). */
  salt: string;
  /** Replaces PatientName and PatientID (a pseudonymous key, never derived reversibly from PHI). */
  pseudonym: string;
  /** Option 113108 (default true): keep PatientSex, PatientAge, PatientSize, PatientWeight. */
  retainPatientCharacteristics?: boolean;
}

/** DeidentificationMethod (0012,0063), LO values of at most 64 characters. */
export const DEID_METHOD = [
  'PS3.15 E.1 Basic Application Confidentiality Profile',
  'ROPline deid/1; pixel data not cleaned',
];

const code = (CodeValue: string, CodeMeaning: string) => ({
  CodeValue,
  CodingSchemeDesignator: 'DCM',
  CodeMeaning,
});

/** PS3.16 CID 7050 codes of the profile and the options applied. */
export function deidMethodCodes(retainCharacteristics: boolean): NaturalDataset[] {
  const codes = [code('113100', 'Basic Application Confidentiality Profile')];
  if (retainCharacteristics) codes.push(code('113108', 'Retain Patient Characteristics Option'));
  return codes;
}

/**
 * A deterministic UID for `uid` under the 2.25 root (PS3.5 B.2): the first 128 bits of
 * HMAC-SHA256(salt, uid) as a decimal. Without the salt the original cannot be confirmed by hashing
 * guesses; with it, every reference to one UID maps to the same new UID.
 */
export function remapUid(uid: string, salt: string): string {
  const n = BigInt(`0x${createHmac('sha256', salt).update(`uid:${uid.trim()}`).digest('hex').slice(0, 32)}`);
  return `2.25.${n === 0n ? 1n : n}`;
}

/** DICOM-defined UIDs (transfer syntaxes, SOP classes, coding schemes) identify nobody: kept. */
const isDicomDefined = (uid: string) => uid.startsWith('1.2.840.10008.');

const PRIVATE_OR_UNKNOWN = /^[0-9A-Fa-f]{8}$/;
/** VRs whose unlisted attributes are removed anyway (names and dates identify). */
const STRICT_VRS = new Set(['PN', 'DA', 'DT', 'TM']);

function vrOf(keyword: string): string | undefined {
  return dcmjs.data.DicomMetaDictionary.nameMap[keyword]?.vr?.slice(0, 2).toUpperCase();
}

function actionOf(keyword: string, opts: Required<DeidOptions>): DeidAction {
  if (opts.retainPatientCharacteristics && (PATIENT_CHARACTERISTICS as readonly string[]).includes(keyword))
    return 'K';
  const listed = BASIC_PROFILE[keyword];
  if (listed) return listed;
  // dcmjs keeps attributes it cannot name (private ones included) under their 8-digit hex tag.
  if (PRIVATE_OR_UNKNOWN.test(keyword)) return 'X';
  // Repeating groups dcmjs does not name (curves 50xx, overlays 60xx other than OverlayData).
  if (/^(Overlay|Curve)/.test(keyword)) return 'X';
  const vr = vrOf(keyword);
  if (vr === undefined) return 'X';
  if (vr === 'UI') return 'U';
  if (STRICT_VRS.has(vr)) return 'X';
  return 'K';
}

function mapUids(value: unknown, salt: string): unknown {
  if (Array.isArray(value)) return value.map((v) => mapUids(v, salt));
  if (typeof value !== 'string' || value === '' || isDicomDefined(value)) return value;
  return remapUid(value, salt);
}

function dummyOf(keyword: string, opts: Required<DeidOptions>): unknown {
  if (keyword === 'PatientName') return [{ Alphabetic: opts.pseudonym }];
  if (keyword === 'PatientID') return opts.pseudonym;
  const vr = vrOf(keyword) ?? 'LO';
  if (vr === 'PN') return [{ Alphabetic: DUMMY_BY_VR.PN }];
  if (vr === 'SQ') return [];
  return DUMMY_BY_VR[vr] ?? '';
}

function clean(ds: Readonly<NaturalDataset>, opts: Required<DeidOptions>): NaturalDataset {
  const out: NaturalDataset = {};
  const vrMap: Record<string, string> = {};
  const inVrMap = (ds._vrMap as Record<string, string> | undefined) ?? {};
  for (const [keyword, value] of Object.entries(ds)) {
    if (keyword === '_vrMap') continue;
    if (keyword === 'PixelData' || keyword === 'SpecificCharacterSet') {
      out[keyword] = value;
      if (inVrMap[keyword]) vrMap[keyword] = inVrMap[keyword];
      continue;
    }
    const action = actionOf(keyword, opts);
    if (action === 'X') continue;
    if (action === 'Z') out[keyword] = vrOf(keyword) === 'SQ' ? [] : '';
    else if (action === 'D') out[keyword] = dummyOf(keyword, opts);
    else if (action === 'U') out[keyword] = mapUids(value, opts.salt);
    else if (vrOf(keyword) === 'SQ' && Array.isArray(value))
      out[keyword] = value.map((item) => (isItem(item) ? clean(item, opts) : item));
    else out[keyword] = value;
    if (inVrMap[keyword] && out[keyword] !== undefined) vrMap[keyword] = inVrMap[keyword];
  }
  if (Object.keys(vrMap).length) out._vrMap = vrMap;
  return out;
}

function isItem(v: unknown): v is NaturalDataset {
  return typeof v === 'object' && v !== null && !ArrayBuffer.isView(v) && !(v instanceof ArrayBuffer);
}

/**
 * Applies the Basic Application Level Confidentiality Profile (deid.profile.ts) to a naturalized
 * dataset, recursing into every kept sequence, and records what was done (PS3.3 C.7.1.1:
 * PatientIdentityRemoved, DeidentificationMethod, DeidentificationMethodCodeSequence; C.12.1:
 * LongitudinalTemporalInformationModified REMOVED since dates are emptied or replaced). Pixel data
 * is passed through unchanged (113101 Clean Pixel Data is not claimed). Pure: the input is not
 * modified.
 */
export function deidentify(dataset: Readonly<NaturalDataset>, options: DeidOptions): NaturalDataset {
  if (!options.salt) throw new TypeError('deidentify: a non-empty salt is required');
  if (!options.pseudonym || options.pseudonym.length > 64)
    throw new TypeError('deidentify: pseudonym must be 1..64 characters');
  const opts: Required<DeidOptions> = { retainPatientCharacteristics: true, ...options };
  const out = clean(dataset, opts);
  out.PatientName = [{ Alphabetic: opts.pseudonym }];
  out.PatientID = opts.pseudonym;
  out.PatientIdentityRemoved = 'YES';
  out.DeidentificationMethod = DEID_METHOD;
  out.DeidentificationMethodCodeSequence = deidMethodCodes(opts.retainPatientCharacteristics);
  out.LongitudinalTemporalInformationModified = 'REMOVED';
  return out;
}
