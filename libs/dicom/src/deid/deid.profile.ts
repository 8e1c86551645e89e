/**
 * The action table of the PS3.15 Annex E Basic Application Level Confidentiality Profile (Table
 * E.1-1), restricted to the attributes that can appear in Ophthalmic Photography (PS3.3 A.39) and
 * Secondary Capture (A.8) headers and their usual sequences, keyed by dcmjs keyword.
 *
 * Actions (PS3.15 E.3.1): D = replace with a dummy value of the VR, Z = zero length, X = remove,
 * K = keep, U = replace the UID consistently (see uid.remap.ts). Where the table offers a choice
 * (X/Z, X/D, Z/D, X/Z/D) the strictest choice the IOD tolerates is taken: X for Type 3, Z for Type 2
 * and D for Type 1 in the OP/SC IODs.
 *
 * Options retained (PS3.15 E.3, declared in DeidentificationMethodCodeSequence):
 * - 113108 Retain Patient Characteristics: PatientSex, PatientAge, PatientSize, PatientWeight are
 *   kept (birth weight and postmenstrual age are ROP risk factors the trainer may stratify on).
 *   Everything else in the table is applied without options: no dates are kept (no 113106/113107),
 *   no device identity (no 113109), no institution identity (no 113112), no descriptors (no 113105).
 * - 113101 Clean Pixel Data is NOT claimed: pixels are copied unchanged, and RetCam exports may
 *   carry burned-in text (name, date) in the image. Overlays, curves and icon images are removed.
 *
 * Stricter than the table (to be safe without a full dictionary review): every private attribute
 * (odd group) and every attribute dcmjs cannot name is removed, and so is every person name (PN) and
 * every date/time (DA, DT, TM) the table does not list (see deidentify.ts).
 */
export type DeidAction = 'D' | 'Z' | 'X' | 'K' | 'U';

/** Kept under option 113108 Retain Patient Characteristics (X in the plain profile). */
export const PATIENT_CHARACTERISTICS = ['PatientSex', 'PatientAge', 'PatientSize', 'PatientWeight'] as const;

const remove = (keys: string): Record<string, DeidAction> =>
  Object.fromEntries(
    keys
      .split(/\s+/)
      .filter(Boolean)
      .map((k) => [k, 'X' as const]),
  );

export const BASIC_PROFILE: Readonly<Record<string, DeidAction>> = {
  // Patient (PS3.3 C.7.1.1); PatientName/PatientID get the pseudonym (D).
  PatientName: 'D',
  PatientID: 'D',
  PatientBirthDate: 'Z',
  PatientSex: 'Z',
  ...remove(`IssuerOfPatientID IssuerOfPatientIDQualifiersSequence TypeOfPatientID PatientBirthTime
    PatientBirthName PatientMotherBirthName PatientAddress PatientTelephoneNumbers
    PatientTelecomInformation OtherPatientIDs OtherPatientNames OtherPatientIDsSequence PatientComments
    PatientState PatientInsurancePlanCodeSequence PatientPrimaryLanguageCodeSequence
    PatientReligiousPreference EthnicGroup Occupation AdditionalPatientHistory MedicalAlerts Allergies
    SmokingStatus PregnancyStatus LastMenstrualDate MilitaryRank BranchOfService MedicalRecordLocator
    CountryOfResidence RegionOfResidence ResponsiblePerson ResponsiblePersonRole ResponsibleOrganization
    ReferencedPatientSequence ReferencedPatientPhotoSequence ReferencedPatientAliasSequence
    PatientAge PatientSize PatientWeight PatientTransportArrangements PatientInstitutionResidence
    CurrentPatientLocation SpecialNeeds PatientSexNeutered`),
  // Study (C.7.2.1, C.7.2.2), visit, request and procedure step.
  StudyDate: 'Z',
  StudyTime: 'Z',
  AccessionNumber: 'Z',
  StudyID: 'Z',
  ReferringPhysicianName: 'Z',
  ...remove(`IssuerOfAccessionNumberSequence StudyDescription ReferringPhysicianAddress
    ReferringPhysicianTelephoneNumbers ReferringPhysicianIdentificationSequence ConsultingPhysicianName
    ConsultingPhysicianIdentificationSequence PhysiciansOfRecord PhysiciansOfRecordIdentificationSequence
    NameOfPhysiciansReadingStudy PhysiciansReadingStudyIdentificationSequence RequestingPhysician
    RequestingService AdmittingDiagnosesDescription AdmittingDiagnosesCodeSequence AdmissionID
    IssuerOfAdmissionIDSequence RequestedProcedureDescription RequestedProcedureID
    RequestedProcedureComments ReasonForTheRequestedProcedure PlacerOrderNumberImagingServiceRequest
    FillerOrderNumberImagingServiceRequest OrderEnteredBy OrderEntererLocation OrderCallbackPhoneNumber
    RequestAttributesSequence ReferencedStudySequence ProcedureCodeSequence ServiceEpisodeID
    ServiceEpisodeDescription IssuerOfServiceEpisodeIDSequence VisitComments ReasonForVisit
    PerformedProcedureStepID PerformedProcedureStepDescription PerformedProcedureStepStartDate
    PerformedProcedureStepStartTime PerformedProcedureStepEndDate PerformedProcedureStepEndTime
    ScheduledProcedureStepID ScheduledProcedureStepDescription ScheduledPerformingPhysicianName
    ScheduledStationName ScheduledStationAETitle PerformedStationName PerformedStationAETitle
    PerformedLocation CommentsOnThePerformedProcedureStep ReferencedPerformedProcedureStepSequence
    NamesOfIntendedRecipientsOfResults ClinicalTrialSponsorName ClinicalTrialProtocolName
    ClinicalTrialSiteID ClinicalTrialSiteName ClinicalTrialSubjectID ClinicalTrialSubjectReadingID
    ClinicalTrialTimePointID ClinicalTrialTimePointDescription ClinicalTrialCoordinatingCenterName`),
  // Series (C.7.3.1), equipment (C.7.5.1), institution.
  ...remove(`SeriesDate SeriesTime SeriesDescription ProtocolName PerformingPhysicianName
    PerformingPhysicianIdentificationSequence OperatorsName OperatorIdentificationSequence
    InstitutionName InstitutionAddress InstitutionalDepartmentName InstitutionCodeSequence
    InstitutionalDepartmentTypeCodeSequence StationName StationAETitle DeviceSerialNumber SoftwareVersions
    DateOfLastCalibration TimeOfLastCalibration DetectorID GantryID PlateID CassetteID GeneratorID
    AcquisitionDeviceProcessingDescription DeviceDescription SourceApplicationEntityTitle
    TimezoneOffsetFromUTC`),
  // Image and SOP common: dates, comments, free text, nested originals, signatures, overlays, icons.
  ContentDate: 'D',
  ContentTime: 'D',
  AcquisitionDateTime: 'D',
  VerifyingObserverName: 'D',
  ContentCreatorName: 'Z',
  ...remove(`InstanceCreationDate InstanceCreationTime AcquisitionDate AcquisitionTime ImageComments
    FrameComments DerivationDescription TextString TextComments IdentifyingComments
    ContentCreatorIdentificationCodeSequence VerifyingOrganization AuthorObserverSequence
    ParticipantSequence PersonAddress PersonTelephoneNumbers PersonIdentificationCodeSequence
    ReviewerName HumanPerformerName HumanPerformerOrganization EvaluatorName SecondaryReviewerName
    OriginalAttributesSequence ModifiedAttributesSequence EncryptedAttributesSequence
    DigitalSignaturesSequence MACParametersSequence DataSetTrailingPadding OverlayData OverlayDate
    OverlayTime CurveDate CurveTime IconImageSequence ContentSequence`),
  // UIDs that identify instances (U); class UIDs and DICOM-defined UIDs are kept (deidentify.ts).
  ...Object.fromEntries(
    `StudyInstanceUID SeriesInstanceUID SOPInstanceUID FrameOfReferenceUID SynchronizationFrameOfReferenceUID
    ReferencedSOPInstanceUID ReferencedFrameOfReferenceUID RelatedFrameOfReferenceUID InstanceCreatorUID
    DeviceUID IrradiationEventUID ConcatenationUID DimensionOrganizationUID TransactionUID
    StorageMediaFileSetUID ReferencedSOPInstanceUIDInFile TargetUID FiducialUID UID
    MediaStorageSOPInstanceUID`
      .split(/\s+/)
      .map((k) => [k, 'U' as const]),
  ),
};

/** Dummy values by VR for action D (PS3.15 E.3.1: non-zero length, consistent with the VR). */
export const DUMMY_BY_VR: Readonly<Record<string, string>> = {
  DA: '19000101',
  TM: '000000',
  DT: '19000101000000',
  PN: 'ANONYMOUS',
  LO: 'ANONYMOUS',
  SH: 'ANONYMOUS',
  CS: 'ANONYMOUS',
};
