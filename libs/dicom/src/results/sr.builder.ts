import type { NaturalDataset } from '../reader/dcmjs.adapter.js';
import {
  contributingEquipment,
  copyPatientStudy,
  dicomDate,
  dicomDateTime,
  dicomTime,
  equipmentAndCreation,
} from './derived.attributes.js';
import { writeResult } from './result.write.js';
import type { BuiltResult, SrEyeFinding, StagingSrInput, SupersededDocument } from './results.types.js';
import { Codes, PRIVATE_SCHEME, STAGE_CODES, type Code } from './sr.codes.js';
import {
  codeItem,
  container,
  imageItem,
  numItem,
  polylineItem,
  textItem,
  uidItem,
  type Item,
} from './sr.content.js';
import { deriveUid } from './uid.derive.js';

/** Comprehensive SR Storage (PS3.4 B.5). */
export const COMPREHENSIVE_SR_SOP_CLASS = '1.2.840.10008.5.1.4.1.1.88.33';
export const SR_SERIES_NUMBER = 9002;
export const SR_SERIES_DESCRIPTION = 'ROP AI report';

/**
 * UIDs of a staging report: a re-publish of the same analysis revision is the same object; a
 * corrected or re-analysed one (new revision, or new model version) is a new object. A clinician's
 * confirmation is expected to come as a new revision.
 */
export function stagingSrUids(input: Pick<StagingSrInput, 'source' | 'analysisId' | 'model' | 'revision'>) {
  const study = String(input.source.StudyInstanceUID ?? '');
  return {
    studyInstanceUid: study,
    seriesInstanceUid: deriveUid(study, input.model.version, 'sr-series'),
    sopInstanceUid: deriveUid(
      study,
      input.analysisId,
      input.model.version,
      String(input.revision),
      'staging-sr',
    ),
  };
}

/**
 * Builds the per-eye ROP staging report as a Comprehensive SR (PS3.3 A.35.3), modelled on TID 1500
 * (Measurement Report) without claiming conformance to it (no ContentTemplateSequence): the stage
 * per eye is a coded finding rather than a measurement. Pure: same input, same bytes.
 */
export function buildStagingSr(input: StagingSrInput): BuiltResult {
  checkInput(input);
  const uids = stagingSrUids(input);
  const at = input.createdAt;
  const verified = input.verification;
  const ds: NaturalDataset = {
    ...copyPatientStudy(input.source),
    // SOP Common (C.12.1)
    SOPClassUID: COMPREHENSIVE_SR_SOP_CLASS,
    SOPInstanceUID: uids.sopInstanceUid,
    ...equipmentAndCreation(at, input.equipment),
    ContributingEquipmentSequence: contributingEquipment(input.model, at, input.equipment),
    // Declares the private coding scheme used for concepts without a verified standard code.
    CodingSchemeIdentificationSequence: [PRIVATE_SCHEME],
    // SR Document Series (C.17.1)
    Modality: 'SR',
    SeriesInstanceUID: uids.seriesInstanceUid,
    SeriesNumber: SR_SERIES_NUMBER,
    SeriesDescription: SR_SERIES_DESCRIPTION,
    ReferencedPerformedProcedureStepSequence: [],
    // SR Document General (C.17.2)
    InstanceNumber: input.instanceNumber ?? input.revision + 1,
    CompletionFlag: 'COMPLETE',
    VerificationFlag: verified ? 'VERIFIED' : 'UNVERIFIED',
    ...(verified
      ? {
          VerifyingObserverSequence: [
            {
              VerifyingObserverName: verified.observerName,
              VerifyingObserverIdentificationCodeSequence: [],
              VerifyingOrganization: verified.organization,
              VerificationDateTime: dicomDateTime(verified.verifiedAt),
            },
          ],
        }
      : {}),
    ContentDate: dicomDate(at),
    ContentTime: dicomTime(at),
    ...(input.supersedes?.length ? { PredecessorDocumentsSequence: hierarchy(input.supersedes) } : {}),
    PerformedProcedureCodeSequence: [],
    CurrentRequestedProcedureEvidenceSequence: hierarchy(evidence(input)),
    // SR Document Content (C.17.3): the root container.
    ValueType: 'CONTAINER',
    ConceptNameCodeSequence: [Codes.imagingMeasurementReport],
    ContinuityOfContent: 'SEPARATE',
    ContentSequence: content(input),
  };
  return { bytes: writeResult(ds), sopClassUid: COMPREHENSIVE_SR_SOP_CLASS, ...uids };
}

function content(input: StagingSrInput): Item[] {
  const procedure = firstCode(input.source.ProcedureCodeSequence) ?? Codes.ropScreening;
  return [
    codeItem('HAS CONCEPT MOD', Codes.language, Codes.english),
    // Observer context (TID 1002/1004): the algorithm is the observer.
    codeItem('HAS OBS CONTEXT', Codes.observerType, Codes.device),
    uidItem(
      'HAS OBS CONTEXT',
      Codes.deviceObserverUid,
      deriveUid('ropline-device', input.model.name, input.model.version),
    ),
    textItem('HAS OBS CONTEXT', Codes.deviceObserverName, 'ROPline'),
    textItem('HAS OBS CONTEXT', Codes.deviceObserverManufacturer, 'ROPline'),
    textItem('HAS OBS CONTEXT', Codes.deviceObserverModelName, input.model.name),
    codeItem('HAS CONCEPT MOD', Codes.procedureReported, procedure),
    ...input.eyes.map((eye) => eyeGroup(eye, input)),
  ];
}

/** One measurement group per eye: site + laterality, algorithm (TID 4019), stage with its evidence. */
function eyeGroup(eye: SrEyeFinding, input: StagingSrInput): Item {
  const side = eye.laterality === 'R' ? Codes.right : Codes.left;
  const evidence: Item[] = [
    numItem('INFERRED FROM', Codes.confidence, clamp01(eye.confidence), Codes.probabilityUnit),
  ];
  for (const image of eye.images) {
    evidence.push(imageItem('INFERRED FROM', image));
    for (const line of image.polylines)
      evidence.push(polylineItem('INFERRED FROM', Codes.imageRegion, line, image));
  }
  return container('CONTAINS', Codes.measurementGroup, [
    textItem(
      'HAS OBS CONTEXT',
      Codes.trackingIdentifier,
      `${eye.laterality === 'R' ? 'OD' : 'OS'} ROP stage`,
    ),
    codeItem('HAS CONCEPT MOD', Codes.findingSite, Codes.eye, [
      codeItem('HAS CONCEPT MOD', Codes.laterality, side),
    ]),
    textItem('HAS CONCEPT MOD', Codes.algorithmName, input.model.name),
    textItem('HAS CONCEPT MOD', Codes.algorithmVersion, input.model.version),
    codeItem('CONTAINS', Codes.finding, STAGE_CODES[eye.stage], evidence),
  ]);
}

/** Every referenced image as a SupersededDocument-shaped reference in the source study. */
function evidence(input: StagingSrInput): SupersededDocument[] {
  const study = String(input.source.StudyInstanceUID);
  return input.eyes.flatMap((eye) =>
    eye.images.map((im) => ({
      studyInstanceUid: study,
      seriesInstanceUid: im.seriesInstanceUid,
      sopClassUid: im.sopClassUid,
      sopInstanceUid: im.sopInstanceUid,
    })),
  );
}

/** Hierarchical SOP Instance Reference Macro (PS3.3 C.17.2.1): study > series > instance, no duplicates. */
function hierarchy(refs: readonly SupersededDocument[]): NaturalDataset[] {
  const studies = new Map<string, Map<string, Map<string, string>>>();
  for (const r of refs) {
    const series = studies.get(r.studyInstanceUid) ?? new Map<string, Map<string, string>>();
    studies.set(r.studyInstanceUid, series);
    const sops = series.get(r.seriesInstanceUid) ?? new Map<string, string>();
    series.set(r.seriesInstanceUid, sops);
    sops.set(r.sopInstanceUid, r.sopClassUid);
  }
  return [...studies].map(([study, series]) => ({
    StudyInstanceUID: study,
    ReferencedSeriesSequence: [...series].map(([seriesUid, sops]) => ({
      SeriesInstanceUID: seriesUid,
      ReferencedSOPSequence: [...sops].map(([sop, cls]) => ({
        ReferencedSOPClassUID: cls,
        ReferencedSOPInstanceUID: sop,
      })),
    })),
  }));
}

function firstCode(seq: unknown): Code | undefined {
  const item = Array.isArray(seq) ? (seq[0] as Partial<Code> | undefined) : undefined;
  return item?.CodeValue && item.CodingSchemeDesignator && item.CodeMeaning
    ? {
        CodeValue: item.CodeValue,
        CodingSchemeDesignator: item.CodingSchemeDesignator,
        CodeMeaning: item.CodeMeaning,
      }
    : undefined;
}

function checkInput(input: StagingSrInput): void {
  if (!input.source.StudyInstanceUID) throw new TypeError('source has no StudyInstanceUID');
  if (!Number.isInteger(input.revision) || input.revision < 0)
    throw new RangeError('revision must be an integer >= 0');
  for (const eye of input.eyes) {
    for (const image of eye.images) {
      for (const line of image.polylines) {
        if (line.length < 4 || line.length % 2 !== 0 || !line.every(Number.isFinite)) {
          throw new RangeError('a polyline needs an even number (>= 4) of finite coordinates');
        }
      }
    }
  }
}

function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0;
}
