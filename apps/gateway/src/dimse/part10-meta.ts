import { IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION_NAME } from '@ropline/dicom';

/** One explicit VR little endian element of group 0002 (PS3.10 7.1); values padded to even length. */
function element(tag: number, vr: string, value: Uint8Array, pad = 0): Buffer {
  const len = value.length + (value.length % 2);
  const longForm = vr === 'OB';
  const head = Buffer.alloc(longForm ? 12 : 8);
  head.writeUInt16LE(0x0002, 0);
  head.writeUInt16LE(tag, 2);
  head.write(vr, 4, 'latin1');
  if (longForm) head.writeUInt32LE(len, 8);
  else head.writeUInt16LE(len, 6);
  const body = Buffer.alloc(len, pad);
  body.set(value);
  return Buffer.concat([head, body]);
}

const text = (s: string) => Buffer.from(s, 'latin1');

/**
 * Preamble, "DICM" and File Meta Information (PS3.10 7.1) for a data set received over DIMSE in
 * `transferSyntaxUid`: appending the received data set bytes unchanged gives a Part-10 file. It
 * depends only on its arguments (no time, no calling AE), so the same data set always gives the
 * same file, and re-sends are recognised as duplicates with the same bytes.
 */
export function part10Header(sopClassUid: string, sopInstanceUid: string, transferSyntaxUid: string): Buffer {
  const meta = Buffer.concat([
    element(0x0001, 'OB', Uint8Array.of(0, 1)),
    element(0x0002, 'UI', text(sopClassUid)),
    element(0x0003, 'UI', text(sopInstanceUid)),
    element(0x0010, 'UI', text(transferSyntaxUid)),
    element(0x0012, 'UI', text(IMPLEMENTATION_CLASS_UID)),
    element(0x0013, 'SH', text(IMPLEMENTATION_VERSION_NAME), 0x20),
  ]);
  const groupLength = Buffer.alloc(4);
  groupLength.writeUInt32LE(meta.length, 0);
  const preamble = Buffer.alloc(132);
  preamble.write('DICM', 128, 'latin1');
  return Buffer.concat([preamble, element(0x0000, 'UL', groupLength), meta]);
}
