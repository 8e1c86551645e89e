import { PluginRegistry, type PluginContext } from '@ropline/core';
import { DicomErrorCode, dicomError, wrapForeign } from '../dicom.errors.js';
import { transferSyntaxName } from '../uid.constants.js';
import type { DecoderManifest, FrameDecoder } from './decoder.types.js';

export interface DecoderRegistry {
  /** Transfer syntaxes some manifest handles, in manifest order. */
  transferSyntaxUids(): string[];
  supports(transferSyntaxUid: string): boolean;
  /** The decoder for a syntax, created on first use and memoized (a failed load is retried later). */
  get(transferSyntaxUid: string): Promise<FrameDecoder>;
}

const silentContext: PluginContext = { log: () => undefined };

/**
 * A decoder registry over a data list of manifests. Duplicate ids throw (PLUGIN.DUPLICATE_ID) and an
 * invalid config throws CONFIG.INVALID on first use, both from the core PluginRegistry.
 */
export function createDecoderRegistry(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  manifests: readonly DecoderManifest<any>[],
  config: Record<string, unknown> = {},
  ctx: PluginContext = silentContext,
): DecoderRegistry {
  const plugins = new PluginRegistry(manifests);
  const bySyntax = new Map<string, string>();
  for (const m of manifests)
    for (const uid of m.transferSyntaxUids) if (!bySyntax.has(uid)) bySyntax.set(uid, m.id);
  const created = new Map<string, Promise<FrameDecoder>>();

  return {
    transferSyntaxUids: () => [...bySyntax.keys()],
    supports: (uid) => bySyntax.has(uid),
    get(uid) {
      const id = bySyntax.get(uid);
      if (id === undefined) {
        return Promise.reject(
          dicomError(
            DicomErrorCode.UNSUPPORTED_TRANSFER_SYNTAX,
            `No pixel decoder for transfer syntax ${uid} (${transferSyntaxName(uid)}); ` +
              `supported: ${[...bySyntax.keys()].join(', ')}`,
            { transferSyntaxUid: uid, transferSyntaxName: transferSyntaxName(uid) },
          ),
        );
      }
      let decoder = created.get(id);
      if (!decoder) {
        decoder = plugins.create<FrameDecoder>('decoder', id, config[id], ctx).catch((e: unknown) => {
          created.delete(id);
          throw wrapForeign(e, DicomErrorCode.DECODE_FAILED, `Pixel decoder '${id}' could not be loaded`, {
            id,
          });
        });
        created.set(id, decoder);
      }
      return decoder;
    },
  };
}
