import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { writeDicom } from '../dicom.writer.js';
import { decodeFrame } from '../pixel/frame.decode.js';
import { readDicom } from '../reader/dicom.reader.js';
import { createImageDataset } from '../testing/image-dataset.builder.js';
import { writeEncapsulated } from '../testing/encapsulated.builder.js';
import { defaultDecoderManifests } from './decoder.manifests.js';
import { createDecoderRegistry } from './decoder.registry.js';
import type { DecoderManifest, FrameDecoder } from './decoder.types.js';

const fake = (
  id: string,
  uids: string[],
  create: () => FrameDecoder | Promise<FrameDecoder>,
): DecoderManifest => ({
  kind: 'decoder',
  id,
  transferSyntaxUids: uids,
  configSchema: z.object({}),
  create,
});

const echo: FrameDecoder = {
  decode: (frame, info) => ({
    samples: frame,
    width: info.columns,
    height: info.rows,
    components: 1,
    planar: false,
  }),
};

describe('createDecoderRegistry', () => {
  it('names the UID and its name for an unknown transfer syntax', async () => {
    const registry = createDecoderRegistry(defaultDecoderManifests);
    await expect(registry.get('1.2.840.10008.1.2.4.110')).rejects.toMatchObject({
      code: 'DICOM.UNSUPPORTED_TRANSFER_SYNTAX',
      message: expect.stringMatching(/1\.2\.840\.10008\.1\.2\.4\.110 \(JPEG XL Lossless\)/),
      meta: { transferSyntaxUid: '1.2.840.10008.1.2.4.110' },
    });
  });

  it('covers every transfer syntax of the brief', () => {
    const registry = createDecoderRegistry(defaultDecoderManifests);
    const expected = [
      '1.2.840.10008.1.2',
      '1.2.840.10008.1.2.1',
      '1.2.840.10008.1.2.1.99',
      '1.2.840.10008.1.2.2',
      '1.2.840.10008.1.2.5',
    ].concat(['.50', '.51', '.57', '.70', '.80', '.81', '.90', '.91'].map((s) => `1.2.840.10008.1.2.4${s}`));
    expect(registry.transferSyntaxUids().sort()).toEqual(expected.sort());
  });

  it('creates a decoder once (memoized), and retries a failed load', async () => {
    let calls = 0;
    const flaky = fake('flaky', ['9.9'], () => {
      calls++;
      if (calls === 1) throw new Error('wasm fetch failed');
      return echo;
    });
    const registry = createDecoderRegistry([flaky]);
    await expect(registry.get('9.9')).rejects.toMatchObject({
      code: 'DICOM.DECODE_FAILED',
      message: expect.stringContaining("'flaky'"),
    });
    const [a, b] = await Promise.all([registry.get('9.9'), registry.get('9.9')]);
    expect(a).toBe(b);
    expect(calls).toBe(2);
  });

  it('lets the first manifest naming a syntax win, and rejects duplicate ids', async () => {
    const preferred = fake('preferred', ['1.2.840.10008.1.2.1'], () => echo);
    const registry = createDecoderRegistry([preferred, ...defaultDecoderManifests]);
    expect(await registry.get('1.2.840.10008.1.2.1')).toBe(echo);
    expect(() => createDecoderRegistry([preferred, preferred])).toThrowError(
      expect.objectContaining({ code: 'PLUGIN.DUPLICATE_ID' }),
    );
  });

  it('decodeFrame fails with DICOM.UNSUPPORTED_TRANSFER_SYNTAX for an MPEG-2 object', async () => {
    const ds = createImageDataset({ rows: 2, columns: 2 });
    const bytes = writeEncapsulated(ds, '1.2.840.10008.1.2.4.100', [[new Uint8Array(8)]]);
    await expect(decodeFrame(readDicom(bytes))).rejects.toMatchObject({
      code: 'DICOM.UNSUPPORTED_TRANSFER_SYNTAX',
      message: expect.stringContaining('MPEG2'),
    });
  });

  it('decodeFrame uses the registry it is given', async () => {
    const registry = createDecoderRegistry([fake('echo', ['1.2.840.10008.1.2.1'], () => echo)]);
    const ds = readDicom(
      writeDicom(createImageDataset({ rows: 1, columns: 2, pixelData: Uint8Array.from([3, 9]) })),
    );
    expect(Array.from((await decodeFrame(ds, 0, { registry })).data)).toEqual([3, 9]);
  });
});
