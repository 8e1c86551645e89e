import { existsSync } from 'node:fs';
import { isRopError } from '@ropline/core';
import { cstoreBatch, readDicomMeta, stowBatch, type DicomFile, type SendOutcome } from '@ropline/dicom';
import type { Destination } from './destination.schema.js';
import type { DeliveryOutcome, OutboxItem } from './outbox.store.js';

/** Delivers a batch of outbox items to one destination; one outcome per item, in order. */
export interface Sender {
  readonly destination: Destination;
  deliver(items: OutboxItem[]): Promise<DeliveryOutcome[]>;
}

/**
 * Whether a refusal is final for this object at this receiver (retrying the same bytes cannot help):
 * HTTP 4xx other than 408/429; DICOM 0x0122 SOP class not supported, 0x0124 not authorized,
 * 0xA9xx data set does not match the SOP class, 0xCxxx cannot understand / TS not supported.
 * Everything else (5xx, 0xA7xx out of resources, 0x0110 processing failure, network) is retried.
 */
export function isPermanent(reason: string): boolean {
  const http = /^HTTP (\d{3})/.exec(reason);
  if (http) {
    const code = Number(http[1]);
    return code >= 400 && code < 500 && code !== 408 && code !== 429;
  }
  const hex = /^(?:DIMSE )?0x([0-9A-F]{4})/i.exec(reason);
  if (!hex) return false;
  const s = hex[1].toUpperCase();
  return s === '0122' || s === '0124' || s.startsWith('A9') || s.startsWith('C');
}

const toOutcome = (o: SendOutcome | undefined, okStatus: string): DeliveryOutcome => {
  if (o && o.status !== 'failed') return { ok: true, status: okStatus };
  const reason = o?.reason ?? 'no outcome';
  return {
    ok: false,
    status: reason.split(' (')[0].slice(0, 64),
    error: reason,
    permanent: isPermanent(reason),
  };
};

/** A sender for `dest`; `fileOf(sha256)` is where the blob store keeps an object's Part-10 bytes. */
export function createSender(dest: Destination, fileOf: (sha256: string) => string): Sender {
  return {
    destination: dest,
    async deliver(items) {
      const outcomes = new Map<OutboxItem, DeliveryOutcome>();
      const files: DicomFile[] = [];
      const byFile = new Map<string, OutboxItem>();
      for (const item of items) {
        const file = fileOf(item.blobSha256);
        const meta = existsSync(file) ? await readDicomMeta(file).catch(() => null) : null;
        if (!meta) {
          outcomes.set(item, {
            ok: false,
            status: 'BLOB_MISSING',
            error: 'object bytes missing from the blob store',
            permanent: true,
          });
          continue;
        }
        files.push({ file, size: item.byteSize, ...meta });
        byFile.set(file, item);
      }
      if (files.length) {
        let sent: SendOutcome[];
        try {
          sent =
            dest.kind === 'stow'
              ? await stowBatch(
                  {
                    base: new URL(dest.url),
                    token: dest.bearerToken,
                    basic: dest.basicAuth,
                    timeoutMs: dest.timeoutMs,
                    probeHeld: false,
                  },
                  files,
                )
              : await cstoreBatch(
                  {
                    host: dest.host,
                    port: dest.port,
                    callingAet: dest.callingAeTitle,
                    calledAet: dest.calledAeTitle,
                    timeoutMs: dest.timeoutMs,
                  },
                  files,
                );
        } catch (e) {
          const reason = isRopError(e) ? `NETWORK (${e.message})` : `NETWORK (${(e as Error).message})`;
          sent = files.map((f) => ({ file: f.file, status: 'failed', reason }));
        }
        const okStatus = dest.kind === 'stow' ? 'STOW stored' : 'DIMSE 0x0000';
        sent.forEach((o) => outcomes.set(byFile.get(o.file)!, toOutcome(o, okStatus)));
      }
      return items.map((i) => outcomes.get(i) ?? toOutcome(undefined, ''));
    },
  };
}
