import type { DicomDataset, NaturalDataset } from '../dicom.dataset.js';
import { writeDicom } from '../dicom.writer.js';
import { extractFrame } from '../pixel/frame.extractor.js';
import { readPixelModule } from '../pixel/pixel-module.js';
import { TransferSyntax } from '../uid.constants.js';
import { deidentify, type DeidOptions } from './deidentify.js';

/**
 * The read dataset as a writable naturalized dataset with its Pixel Data, and the transfer syntax to
 * write it in: encapsulated pixel data stays encoded in its own syntax (one buffer per frame, the
 * frame's fragments joined); native data is written explicit VR little endian (a deflated or
 * implicit input is a transport detail). Pixel values are not changed.
 */
export function toWritable(ds: DicomDataset): { dataset: NaturalDataset; transferSyntaxUid: string } {
  const dataset: NaturalDataset = { ...ds.elements };
  const vrMap = { ...((ds.elements._vrMap as Record<string, string> | undefined) ?? {}) };
  const pd = ds.pixelData;
  let transferSyntaxUid: string = TransferSyntax.ExplicitVRLittleEndian;
  if (pd?.encapsulated) {
    const pm = readPixelModule(ds);
    dataset.PixelData = Array.from({ length: pm.frames }, (_, i) =>
      extractFrame(pd, pm, i, ds.transferSyntaxUid),
    );
    transferSyntaxUid = ds.transferSyntaxUid;
  } else if (pd) {
    const pm = readPixelModule(ds);
    const asIs = pd.littleEndian || pm.bitsAllocated === 8;
    dataset.PixelData = asIs
      ? pd.bytes
      : Buffer.concat(
          Array.from({ length: pm.frames }, (_, i) => extractFrame(pd, pm, i, ds.transferSyntaxUid)),
        );
    vrMap.PixelData = pd.vr === 'OW' || pd.vr === 'OB' ? pd.vr : pm.bitsAllocated > 8 ? 'OW' : 'OB';
  }
  dataset._vrMap = vrMap;
  return { dataset, transferSyntaxUid };
}

/** De-identifies a read object (deidentify) and writes it as Part-10 bytes, pixels unchanged. */
export function deidentifyToPart10(ds: DicomDataset, opts: DeidOptions): Uint8Array {
  const { dataset, transferSyntaxUid } = toWritable(ds);
  return writeDicom(deidentify(dataset, opts), { transferSyntaxUid });
}
