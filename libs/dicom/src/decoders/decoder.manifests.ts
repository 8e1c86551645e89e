import { z } from 'zod';
import { TransferSyntax } from '../uid.constants.js';
import type { DecoderManifest } from './decoder.types.js';
import { createJpeg2000Decoder } from './jpeg2000.decoder.js';
import { createJpegLsDecoder } from './jpeg-ls.decoder.js';
import { createJpegDecoder } from './jpeg.decoder.js';
import { createNativeDecoder } from './native.decoder.js';
import { createRleDecoder } from './rle.decoder.js';

const noConfig = z.object({}).strict();

/**
 * The default pixel decoders, as data. Creating one is cheap; the wasm codecs behind the JPEG
 * family load on the first frame that needs them.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each manifest has its own config type
export const defaultDecoderManifests: readonly DecoderManifest<any>[] = [
  {
    kind: 'decoder',
    id: 'native',
    transferSyntaxUids: [
      TransferSyntax.ImplicitVRLittleEndian,
      TransferSyntax.ExplicitVRLittleEndian,
      TransferSyntax.DeflatedExplicitVRLittleEndian,
      TransferSyntax.ExplicitVRBigEndian,
    ],
    configSchema: noConfig,
    create: createNativeDecoder,
  },
  {
    kind: 'decoder',
    id: 'rle',
    transferSyntaxUids: [TransferSyntax.RleLossless],
    configSchema: noConfig,
    create: createRleDecoder,
  },
  {
    kind: 'decoder',
    id: 'jpeg',
    transferSyntaxUids: [
      TransferSyntax.JpegBaseline,
      TransferSyntax.JpegExtended,
      TransferSyntax.JpegLosslessP14,
      TransferSyntax.JpegLosslessSV1,
    ],
    configSchema: z.object({ native: z.enum(['auto', 'off']).default('auto') }).strict(),
    create: createJpegDecoder,
  },
  {
    kind: 'decoder',
    id: 'jpeg-ls',
    transferSyntaxUids: [TransferSyntax.JpegLsLossless, TransferSyntax.JpegLsNearLossless],
    configSchema: noConfig,
    create: createJpegLsDecoder,
  },
  {
    kind: 'decoder',
    id: 'jpeg2000',
    transferSyntaxUids: [TransferSyntax.Jpeg2000Lossless, TransferSyntax.Jpeg2000],
    configSchema: noConfig,
    create: createJpeg2000Decoder,
  },
];
