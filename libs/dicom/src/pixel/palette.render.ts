import type { DicomDataset } from '../dicom.dataset.js';
import { DicomErrorCode, dicomError } from '../dicom.errors.js';
import type { Samples } from '../decoders/decoder.types.js';
import type { PixelModule } from './pixel-module.js';

/** One channel of a Palette Color LUT (PS3.3 C.7.6.3.1.5/.6), already reduced to 8-bit entries. */
interface PaletteChannel {
  first: number;
  entries: Uint8Array;
}

const CHANNELS = ['Red', 'Green', 'Blue'] as const;

/**
 * PALETTE COLOR -> RGB. The descriptor is [entries (0 means 65536), first stored value mapped,
 * bits per entry (8 or 16)]. Stored values below `first` map to the first entry, above the last to
 * the last entry. The data's entry width is taken from its length (one or two bytes per entry, as
 * pydicom does); 16-bit entries declared 16 bits keep their high byte, 16-bit words declared 8 bits
 * keep their low byte. Segmented palettes (0028,1221..1223) are not supported.
 */
export function renderPalette(
  samples: Samples,
  pm: PixelModule,
  ds: DicomDataset,
  out: Uint8Array,
): Uint8Array {
  const luts = CHANNELS.map((c) => readChannel(ds, c));
  const mask = pm.bitsStored >= 32 ? 0xffffffff : 2 ** pm.bitsStored - 1;
  for (let i = 0, o = 0; i < samples.length; i++, o += 3) {
    const v = (samples[i] & mask) >>> 0;
    for (let c = 0; c < 3; c++) {
      const { first, entries } = luts[c];
      const k = v - first;
      out[o + c] = entries[k < 0 ? 0 : k >= entries.length ? entries.length - 1 : k];
    }
  }
  return out;
}

function readChannel(ds: DicomDataset, color: (typeof CHANNELS)[number]): PaletteChannel {
  const descriptor = ds.numbers(`${color}PaletteColorLookupTableDescriptor`);
  const data = bytesOf(ds.elements[`${color}PaletteColorLookupTableData`]);
  if (descriptor.length !== 3 || !data) {
    const segmented = ds.has(`Segmented${color}PaletteColorLookupTableData`);
    throw dicomError(
      segmented ? DicomErrorCode.UNSUPPORTED_PHOTOMETRIC : DicomErrorCode.MISSING_ATTRIBUTE,
      segmented
        ? 'PALETTE COLOR with a segmented palette is not supported'
        : `PALETTE COLOR needs ${color}PaletteColorLookupTableDescriptor (3 values) and ${color}PaletteColorLookupTableData`,
      { attribute: `${color}PaletteColorLookupTableData` },
    );
  }
  // Descriptor values may be read as SS when PixelRepresentation is 1: reinterpret as unsigned.
  const count = (descriptor[0] & 0xffff) === 0 ? 65536 : descriptor[0] & 0xffff;
  const first = descriptor[1] & 0xffff;
  const bits = descriptor[2];
  const bytesPerEntry = data.length >= count * 2 ? 2 : 1;
  if (data.length < count * bytesPerEntry) {
    throw dicomError(
      DicomErrorCode.INVALID_ATTRIBUTE,
      `${color} palette holds ${data.length} bytes, fewer than its ${count} entries`,
      { entries: count },
    );
  }
  const entries = new Uint8Array(count);
  const littleEndian = ds.encoding.littleEndian;
  for (let i = 0; i < count; i++) {
    if (bytesPerEntry === 1) {
      entries[i] = data[i];
    } else {
      const word = littleEndian ? data[2 * i] | (data[2 * i + 1] << 8) : (data[2 * i] << 8) | data[2 * i + 1];
      entries[i] = bits === 8 ? Math.min(word, 255) : word >> 8;
    }
  }
  return { first, entries };
}

/** dcmjs gives OW values as an ArrayBuffer or a one-element array of them. */
function bytesOf(v: unknown): Uint8Array | undefined {
  const x = Array.isArray(v) ? v[0] : v;
  if (x instanceof ArrayBuffer) return new Uint8Array(x);
  if (ArrayBuffer.isView(x)) return new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
  return undefined;
}
