import { createHash } from 'node:crypto';
import { TransferSyntax, writeDicom } from '@ropline/dicom';
import type { Device, Eye, View } from './eye.model.js';

/** Ophthalmic Photography 8 Bit Image Storage. */
export const OP_8BIT_SOP_CLASS = '1.2.840.10008.5.1.4.1.1.77.1.5.1';

/** A 2.25 UID (PS3.5 B.2) from the first 128 bits of SHA-256 over the parts: same parts, same UID. */
export function derivedUid(...parts: (string | number)[]): string {
  const hex = createHash('sha256')
    .update(`ropline-phantom/${parts.join('/')}`)
    .digest('hex')
    .slice(0, 32);
  const n = BigInt(`0x${hex}`);
  return `2.25.${n === 0n ? 1n : n}`;
}

export interface OpInstance {
  seed: number;
  infant: number;
  eye: Eye;
  view: View;
  viewIndex: number;
  device: Device;
  width: number;
  height: number;
  jpeg: Uint8Array;
  /** YYYYMMDD */
  studyDate: string;
  birthDate: string;
  sex: 'M' | 'F';
}

const VIEW_TEXT: Record<View, string> = {
  posterior: 'posterior pole',
  temporal: 'temporal periphery',
  nasal: 'nasal periphery',
  superior: 'superior periphery',
  inferior: 'inferior periphery',
};

const code = (CodeValue: string, CodingSchemeDesignator: string, CodeMeaning: string) => ({
  CodeValue,
  CodingSchemeDesignator,
  CodeMeaning,
});

/**
 * One view of a phantom RetCam exam as an OP 8 Bit Image (PS3.3 A.41): one study per infant exam,
 * one series per eye, JPEG baseline (the JPEG bytes are the single fragment), synthetic identity.
 */
export function buildOpDicom(o: OpInstance): Uint8Array {
  const id = String(o.infant).padStart(4, '0');
  const eyeNo = o.eye === 'OD' ? 1 : 2;
  const time = `${String(9 + eyeNo).padStart(2, '0')}${String(o.viewIndex * 2).padStart(2, '0')}00`;
  const rgbBytes = o.width * o.height * 3;
  const ratio = (rgbBytes / o.jpeg.length).toFixed(2);
  const laterality = o.eye === 'OD' ? 'R' : 'L';
  const ds: Record<string, unknown> = {
    SpecificCharacterSet: 'ISO_IR 100',
    ImageType: ['ORIGINAL', 'PRIMARY'],
    SOPClassUID: OP_8BIT_SOP_CLASS,
    SOPInstanceUID: derivedUid(o.seed, o.infant, o.eye, o.view, 'instance'),
    StudyDate: o.studyDate,
    SeriesDate: o.studyDate,
    ContentDate: o.studyDate,
    AcquisitionDateTime: `${o.studyDate}${time}`,
    StudyTime: '100000',
    SeriesTime: time,
    ContentTime: time,
    AccessionNumber: `PH${id}`,
    Modality: 'OP',
    Manufacturer: 'ROPline phantom generator',
    InstitutionName: 'PHANTOM HOSPITAL',
    ReferringPhysicianName: '',
    StudyDescription: 'ROP screening (phantom)',
    SeriesDescription: `${o.eye} fundus (phantom)`,
    ManufacturerModelName: o.device.model,
    PatientName: `PHANTOM^INFANT${id}`,
    PatientID: `PHANTOM-${id}`,
    PatientBirthDate: o.birthDate,
    PatientSex: o.sex,
    PatientIdentityRemoved: 'NO',
    DeviceSerialNumber: `PH-${o.device.id.toUpperCase()}-0001`,
    SoftwareVersions: 'ropline-phantom 0.1.0',
    StudyInstanceUID: derivedUid(o.seed, o.infant, 'study'),
    SeriesInstanceUID: derivedUid(o.seed, o.infant, o.eye, 'series'),
    StudyID: `PH${id}`,
    SeriesNumber: eyeNo,
    InstanceNumber: o.viewIndex + 1,
    PatientOrientation: '',
    ImageLaterality: laterality,
    ImageComments: `phantom ${VIEW_TEXT[o.view]}`,
    SamplesPerPixel: 3,
    PhotometricInterpretation: 'YBR_FULL_422',
    PlanarConfiguration: 0,
    Rows: o.height,
    Columns: o.width,
    BitsAllocated: 8,
    BitsStored: 8,
    HighBit: 7,
    PixelRepresentation: 0,
    BurnedInAnnotation: 'NO',
    LossyImageCompression: '01',
    LossyImageCompressionRatio: ratio,
    LossyImageCompressionMethod: 'ISO_10918_1',
    AcquisitionDeviceTypeCodeSequence: [code('409898007', 'SCT', 'Fundus Camera')],
    AnatomicRegionSequence: [code('81745001', 'SCT', 'Eye')],
    AcquisitionContextSequence: [],
    PatientEyeMovementCommanded: 'NO',
    HorizontalFieldOfView: 130,
    RefractiveStateSequence: [],
    EmmetropicMagnification: [],
    IntraOcularPressure: [],
    PupilDilated: 'YES',
    DegreeOfDilation: [],
    MydriaticAgentSequence: [],
    // Ophthalmic Photographic Parameters (Type 2: present, may be empty).
    IlluminationTypeCodeSequence: [],
    LightPathFilterTypeStackCodeSequence: [],
    ImagePathFilterTypeStackCodeSequence: [],
    LensesCodeSequence: [],
    DetectorType: 'CCD',
    // Multi-frame and Synchronization modules, which dciodvfy expects on OP: one frame, no trigger.
    NumberOfFrames: 1,
    FrameIncrementPointer: 0x00181063,
    FrameTime: 0,
    SynchronizationFrameOfReferenceUID: derivedUid(o.seed, o.infant, 'sync'),
    SynchronizationTrigger: 'NO TRIGGER',
    AcquisitionTimeSynchronized: 'N',
    PixelData: [o.jpeg],
  };
  return writeDicom(ds, { transferSyntaxUid: TransferSyntax.JpegBaseline });
}
