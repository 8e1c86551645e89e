import { writeDicom } from '../dicom.writer.js';
import type { NaturalDataset } from '../reader/dcmjs.adapter.js';
import { concatBytes } from '../reader/part10.scanner.js';

/**
 * Writes `dataset` (without PixelData) with an encapsulated transfer syntax and appends the Pixel
 * Data element built by hand, so tests control fragmentation and the Basic Offset Table exactly.
 * `frames` lists each frame's fragments. Pixel Data is the last top-level element, as usual.
 */
export function writeEncapsulated(
  dataset: NaturalDataset,
  transferSyntaxUid: string,
  frames: Uint8Array[][],
  opts: { offsetTable?: boolean } = {},
): Uint8Array {
  const { PixelData: _ignored, ...rest } = dataset;
  const head = writeDicom(rest, { transferSyntaxUid });
  return concatBytes([head, encapsulatePixelData(frames, opts.offsetTable ?? true)]);
}

/** (7FE0,0010) OB, undefined length: offset table item, fragment items, sequence delimiter (PS3.5 A.4). */
export function encapsulatePixelData(frames: Uint8Array[][], offsetTable: boolean): Uint8Array {
  const items: Uint8Array[] = [];
  const offsets: number[] = [];
  let position = 0;
  for (const fragments of frames) {
    offsets.push(position);
    for (const f of fragments) {
      const padded = f.length % 2 === 0 ? f : concatBytes([f, new Uint8Array(1)]);
      items.push(item(0xe000, padded));
      position += 8 + padded.length;
    }
  }
  const table = new Uint8Array(offsetTable ? offsets.length * 4 : 0);
  offsets.forEach((o, i) => offsetTable && new DataView(table.buffer).setUint32(4 * i, o, true));
  const header = new Uint8Array([0xe0, 0x7f, 0x10, 0x00, 0x4f, 0x42, 0, 0, 0xff, 0xff, 0xff, 0xff]);
  return concatBytes([header, item(0xe000, table), ...items, item(0xe0dd, new Uint8Array(0))]);
}

function item(element: number, value: Uint8Array): Uint8Array {
  const head = new Uint8Array(8);
  const view = new DataView(head.buffer);
  view.setUint16(0, 0xfffe, true);
  view.setUint16(2, element, true);
  view.setUint32(4, value.length, true);
  return concatBytes([head, value]);
}
