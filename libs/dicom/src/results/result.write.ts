import { charsetTerm, chooseCharset } from '../charset/charset.js';
import { writeDicom } from '../dicom.writer.js';
import type { NaturalDataset } from '../reader/dcmjs.adapter.js';
import { TransferSyntax } from '../uid.constants.js';
import { collectTexts } from './derived.attributes.js';

/**
 * Writes a result dataset as explicit VR little endian Part 10. The source's Specific Character Set
 * is kept when every text value fits it (writeDicom re-encodes the text into that set); otherwise
 * the object is written as ISO_IR 192 rather than with corrupted text.
 */
export function writeResult(dataset: NaturalDataset): Uint8Array {
  const texts = Object.entries(dataset).flatMap(([key, value]) =>
    key === 'PixelData' ? [] : collectTexts(value),
  );
  const term = chooseCharset(charsetTerm(dataset.SpecificCharacterSet), texts);
  const ds: NaturalDataset = { ...dataset };
  if (term === undefined) delete ds.SpecificCharacterSet;
  else if (term !== charsetTerm(dataset.SpecificCharacterSet)) ds.SpecificCharacterSet = term;
  return writeDicom(ds, { transferSyntaxUid: TransferSyntax.ExplicitVRLittleEndian });
}
