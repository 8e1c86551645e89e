import { readFile } from 'node:fs/promises';
import type { Socket } from 'node:net';
import dcmjsDimse from 'dcmjs-dimse';
import { hex4, type DicomFile, type SendOutcome } from './dicom-file.js';

const { Client, Dataset, requests, constants, log: dimseLog } = dcmjsDimse;
type CStoreResponse = dcmjsDimse.responses.CStoreResponse;

/**
 * A data set sent exactly as it is in the file: dcmjs-dimse would otherwise re-encode it (a few bytes
 * differ), so a C-STORE would not match a STOW-RS of the same file. It still parses the elements:
 * when the receiver accepts another transfer syntax, dcmjs-dimse transcodes into a plain Dataset.
 */
class RawDataset extends Dataset {
  constructor(
    private readonly raw: Buffer,
    transferSyntaxUid: string,
  ) {
    super(raw, transferSyntaxUid);
  }
  override getDenaturalizedDataset(): Buffer {
    return this.raw;
  }
}

async function cstoreRequest(f: DicomFile): Promise<InstanceType<typeof requests.CStoreRequest>> {
  if (f.transferSyntaxUid && f.datasetOffset) {
    const raw = (await readFile(f.file)).subarray(f.datasetOffset);
    const ds = new RawDataset(raw, f.transferSyntaxUid);
    if (ds.getElement('SOPInstanceUID')) return new requests.CStoreRequest(ds);
  }
  return new requests.CStoreRequest(f.file);
}

export interface CStoreTarget {
  host: string;
  port: number;
  callingAet: string;
  calledAet: string;
  /** Connect/idle limit for the association (dcmjs-dimse connectTimeout and socket timeout). */
  timeoutMs?: number;
}

/** One association per batch; statuses per PS3.4 B.2.3 (warnings B000/B007/B006 count as stored). */
export async function cstoreBatch(t: CStoreTarget, files: DicomFile[]): Promise<SendOutcome[]> {
  const reqs = new Map<string, InstanceType<typeof requests.CStoreRequest> | Error>();
  for (const f of files) {
    reqs.set(
      f.file,
      await cstoreRequest(f).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e)))),
    );
  }
  // dcmjs-dimse logs every association to stdout (and can print data sets): never in the CLI.
  dimseLog.setLevel(process.env.ROP_DEBUG ? 'info' : 'silent');
  return new Promise((resolve) => {
    const outcomes = new Map<string, SendOutcome>();
    const client = new Client();
    let fatal: string | null = null;
    for (const f of files) {
      const req = reqs.get(f.file)!;
      if (req instanceof Error) {
        outcomes.set(f.file, {
          file: f.file,
          sopInstanceUid: f.sopInstanceUid,
          status: 'failed',
          reason: `UNREADABLE (${req.message.split('\n')[0]})`,
        });
        continue;
      }
      req.on('response', (res: CStoreResponse) => {
        const status = res.getStatus();
        const ok = status === constants.Status.Success || (status & 0xf000) === 0xb000;
        const comment = res.getErrorComment?.();
        outcomes.set(f.file, {
          file: f.file,
          sopInstanceUid: f.sopInstanceUid,
          status: ok ? 'stored' : 'failed',
          ...(ok ? {} : { reason: `DIMSE ${hex4(status)}${comment ? ` ${comment}` : ''}` }),
        });
      });
      client.addRequest(req);
    }
    const finish = () => {
      resolve(
        files.map(
          (f) =>
            outcomes.get(f.file) ?? {
              file: f.file,
              sopInstanceUid: f.sopInstanceUid,
              status: 'failed',
              reason: fatal ?? 'no C-STORE response',
            },
        ),
      );
    };
    client.on('associationRejected', (r: { result: number; source: number; reason: number }) => {
      fatal = `ASSOCIATION_REJECTED (result ${r.result}, source ${r.source}, reason ${r.reason})`;
    });
    client.on('networkError', (e: Error) => {
      fatal ??= `NETWORK (${(e as NodeJS.ErrnoException).code ?? e.message})`;
    });
    client.on('closed', finish);
    if (outcomes.size === files.length) return finish();
    client.send(t.host, t.port, t.callingAet, t.calledAet, {
      associationLingerTimeout: 0,
      ...(t.timeoutMs
        ? { connectTimeout: t.timeoutMs, associationTimeout: t.timeoutMs, pduTimeout: t.timeoutMs }
        : {}),
    });
    // dcmjs-dimse does not disable Nagle: without this each C-STORE waits ~40 ms (notes/STACK.md).
    (client as unknown as { network?: { socket?: Socket } }).network?.socket?.setNoDelay(true);
  });
}
