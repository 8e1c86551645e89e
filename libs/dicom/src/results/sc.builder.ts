import type { NaturalDataset } from '../reader/dcmjs.adapter.js';
import { renderCaption } from './caption.render.js';
import {
  code,
  contributingEquipment,
  copyPatientStudy,
  dicomDate,
  dicomTime,
  equipmentAndCreation,
} from './derived.attributes.js';
import { burnOverlay } from './overlay.render.js';
import { writeResult } from './result.write.js';
import type { BuiltResult, OverlayScInput } from './results.types.js';
import { deriveUid } from './uid.derive.js';

/** Multi-frame True Color Secondary Capture Image Storage (PS3.4 B.5). */
export const MF_TRUE_COLOR_SC_SOP_CLASS = '1.2.840.10008.5.1.4.1.1.7.4';
export const OVERLAY_SERIES_NUMBER = 9001;
export const OVERLAY_SERIES_DESCRIPTION = 'ROP AI overlay';

/** UIDs of an overlay; a pure function of its inputs so a retry re-creates the same object. */
export function overlayUids(input: Pick<OverlayScInput, 'source' | 'analysis' | 'frameNumber' | 'style'>) {
  const study = String(input.source.StudyInstanceUID ?? '');
  const sourceSop = String(input.source.SOPInstanceUID ?? '');
  return {
    studyInstanceUid: study,
    seriesInstanceUid: deriveUid(study, input.analysis.version, 'overlay-series'),
    sopInstanceUid: deriveUid(
      sourceSop,
      String(input.frameNumber),
      input.analysis.version,
      input.style,
      'overlay',
    ),
  };
}

/**
 * Builds the overlay as a Multi-frame True Color SC Image (PS3.3 A.8.5): the source frame with the
 * demarcation line burned in and a caption band appended below it (Rows = source rows + band).
 * Pure: same input, same bytes.
 */
export function buildOverlaySc(input: OverlayScInput): BuiltResult {
  const { rows, columns, source } = input;
  if (input.rgb.length !== rows * columns * 3) throw new RangeError('rgb must hold rows*columns*3 bytes');
  if (input.mask && input.mask.length !== rows * columns)
    throw new RangeError('mask must hold rows*columns bytes');
  if (!source.SOPInstanceUID || !source.SOPClassUID)
    throw new TypeError('source has no SOP Class/Instance UID');
  const uids = overlayUids(input);
  const burned = burnOverlay(input.rgb, rows, columns, input.mask, input.style);
  const caption = renderCaption(input.caption, columns);
  const pixels = new Uint8Array(burned.length + caption.rgb.length);
  pixels.set(burned, 0);
  pixels.set(caption.rgb, burned.length);
  const at = input.createdAt;
  const sourceFrames = Number(source.NumberOfFrames ?? 1);
  const laterality = source.ImageLaterality ?? source.Laterality;

  const ds: NaturalDataset = {
    ...copyPatientStudy(source),
    // SOP Common (C.12.1)
    SOPClassUID: MF_TRUE_COLOR_SC_SOP_CLASS,
    SOPInstanceUID: uids.sopInstanceUid,
    ...equipmentAndCreation(at, input.equipment),
    ContributingEquipmentSequence: contributingEquipment(input.analysis, at, input.equipment),
    // General Series (C.7.3.1). Laterality (0020,0060) is not set: the series holds both eyes'
    // overlays, so laterality is per image (ImageLaterality below, which satisfies its 2C condition).
    Modality: 'OT',
    SeriesInstanceUID: uids.seriesInstanceUid,
    SeriesNumber: OVERLAY_SERIES_NUMBER,
    SeriesDescription: OVERLAY_SERIES_DESCRIPTION,
    // SC Equipment (C.8.6.1): WSD = workstation.
    ConversionType: 'WSD',
    SecondaryCaptureDeviceManufacturer: 'ROPline',
    SecondaryCaptureDeviceManufacturerModelName: input.analysis.name,
    SecondaryCaptureDeviceSoftwareVersions: input.analysis.version,
    // General Image (C.7.6.1)
    InstanceNumber: input.instanceNumber ?? 1,
    PatientOrientation: '',
    ContentDate: dicomDate(at),
    ContentTime: dicomTime(at),
    ImageType: ['DERIVED', 'SECONDARY'],
    ...(laterality === 'R' || laterality === 'L' ? { ImageLaterality: laterality } : {}),
    BurnedInAnnotation: 'YES',
    LossyImageCompression: '00',
    ImageComments: 'AI result - not for diagnostic use',
    // General Reference (C.12.4): the analysed instance; CID 7202 purpose of reference.
    DerivationDescription: `Demarcation line (${input.style}) and ROP stage by ${input.analysis.name} ${input.analysis.version} burned into the source frame; caption band appended below. Not for diagnostic use.`,
    SourceImageSequence: [
      {
        ReferencedSOPClassUID: source.SOPClassUID,
        ReferencedSOPInstanceUID: source.SOPInstanceUID,
        ...(sourceFrames > 1 ? { ReferencedFrameNumber: input.frameNumber } : {}),
        PurposeOfReferenceCodeSequence: [
          code('121322', 'DCM', 'Source image for image processing operation'),
        ],
      },
    ],
    // Image Pixel (C.7.6.3) + SC Multi-frame Image (C.8.6.3): 8-bit RGB, one frame.
    SamplesPerPixel: 3,
    PhotometricInterpretation: 'RGB',
    PlanarConfiguration: 0,
    Rows: rows + caption.height,
    Columns: columns,
    BitsAllocated: 8,
    BitsStored: 8,
    HighBit: 7,
    PixelRepresentation: 0,
    NumberOfFrames: 1,
    PixelData: pixels,
    _vrMap: { PixelData: 'OB' },
  };
  return { bytes: writeResult(ds), sopClassUid: MF_TRUE_COLOR_SC_SOP_CLASS, ...uids };
}
