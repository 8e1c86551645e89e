import { createReadStream } from 'node:fs';
import { RopError, type PluginContext } from '@ropline/core';
import type { Database } from '@ropline/db';
import { decodeFrame, readDicom, type DicomDataset } from '@ropline/dicom';
import { encodePng } from '@ropline/preprocess';
import type { BlobStore } from '../blob/blob-store.port.js';
import type { DicomJson } from './dicom-json.util.js';
import { badRequest } from './dicomweb.params.js';
import { instanceMetadata } from './instance-metadata.util.js';
import type { OutPart } from './multipart.writer.js';

/** A blob store that can also hand out a stored blob's file (LocalBlobStore): streamed, not buffered. */
export type WadoBlobStore = BlobStore & { pathOf?(sha256: string): string };

/** Target of a retrieve, from the URL (validated UIDs). */
export interface WadoTarget {
  study: string;
  series?: string;
  sop?: string;
}

export interface StoredInstance {
  study: string;
  series: string;
  sop: string;
  transferSyntaxUid: string;
  frames: number;
  sha256: string;
}

/** Decoded pixel bytes use this syntax (PS3.18 8.7.3.5.2: uncompressed frames). */
export const EXPLICIT_VR_LE = '1.2.840.10008.1.2.1';
/** Upper bound on instances in one study/series retrieve (a bigger study is a 400, not an OOM). */
const MAX_INSTANCES = 10_000;

/** WADO-RS (PS3.18 10.4) over the blob store: instances, metadata, frames, rendered PNG. */
export class WadoService {
  constructor(
    private readonly db: Database,
    private readonly blobs: WadoBlobStore,
    private readonly baseUrl: () => string,
    private readonly ctx: PluginContext,
  ) {}

  /** The rows the target names; a 404 when there are none. Paths come from sha256 digests only. */
  async find(t: WadoTarget): Promise<StoredInstance[]> {
    const rows = await this.db.prisma.instance.findMany({
      where: {
        sopInstanceUid: t.sop,
        series: { seriesInstanceUid: t.series, study: { studyInstanceUid: t.study } },
      },
      orderBy: [{ instanceNumber: { sort: 'asc', nulls: 'last' } }, { sopInstanceUid: 'asc' }],
      take: MAX_INSTANCES + 1,
      select: {
        sopInstanceUid: true,
        transferSyntaxUid: true,
        frames: true,
        blobSha256: true,
        series: { select: { seriesInstanceUid: true, study: { select: { studyInstanceUid: true } } } },
      },
    });
    if (rows.length === 0) {
      throw new RopError(
        'DICOMWEB.NOT_FOUND',
        `No ${t.sop ? 'instance' : t.series ? 'series' : 'study'} with that UID`,
        {
          ...t,
        },
      );
    }
    if (rows.length > MAX_INSTANCES)
      throw badRequest(`More than ${MAX_INSTANCES} instances: retrieve per series`);
    return rows.map((r) => ({
      study: r.series.study.studyInstanceUid,
      series: r.series.seriesInstanceUid,
      sop: r.sopInstanceUid,
      transferSyntaxUid: r.transferSyntaxUid,
      frames: r.frames,
      sha256: r.blobSha256,
    }));
  }

  instanceUrl(i: StoredInstance): string {
    return `${this.baseUrl()}/dicomweb/studies/${i.study}/series/${i.series}/instances/${i.sop}`;
  }

  /**
   * Multipart parts holding the stored Part-10 bytes, streamed from the blob files. Every blob is
   * checked first: a missing one is a 500 before any byte is sent, not a multipart cut short.
   */
  async instanceParts(list: readonly StoredInstance[]): Promise<OutPart[]> {
    for (const i of list) {
      if (!(await this.blobs.has(i.sha256))) {
        throw new RopError('DICOMWEB.BLOB_MISSING', 'A stored instance has no blob', {
          sop: i.sop,
          sha256: i.sha256,
        });
      }
    }
    return list.map((i) => ({
      contentType: `application/dicom; transfer-syntax=${i.transferSyntaxUid}`,
      headers: { 'Content-Location': this.instanceUrl(i) },
      body: () =>
        this.blobs.pathOf ? createReadStream(this.blobs.pathOf(i.sha256)) : this.blobs.get(i.sha256),
    }));
  }

  private async dataset(i: StoredInstance): Promise<DicomDataset> {
    return readDicom(await this.blobs.get(i.sha256));
  }

  async metadata(list: readonly StoredInstance[]): Promise<DicomJson[]> {
    const out: DicomJson[] = [];
    for (const i of list) {
      const frames = Array.from({ length: Math.max(1, i.frames) }, (_, k) => k + 1).join(',');
      out.push(instanceMetadata(await this.dataset(i), `${this.instanceUrl(i)}/frames/${frames}`));
    }
    return out;
  }

  /** Decoded 8-bit frames (gray or interleaved RGB, libs/dicom decodeFrame), 1-based numbers. */
  async frames(i: StoredInstance, numbers: readonly number[]): Promise<OutPart[]> {
    for (const n of numbers) {
      if (n > i.frames) {
        throw new RopError('DICOMWEB.NOT_FOUND', `Frame ${n} does not exist: the instance has ${i.frames}`, {
          sop: i.sop,
        });
      }
    }
    const ds = await this.dataset(i);
    const parts: OutPart[] = [];
    for (const n of numbers) {
      const img = await decodeFrame(ds, n - 1);
      parts.push({
        contentType: `application/octet-stream; transfer-syntax=${EXPLICIT_VR_LE}`,
        headers: { 'Content-Location': `${this.instanceUrl(i)}/frames/${n}` },
        body: async () => img.data,
      });
    }
    this.ctx.log('info', 'WADO frames decoded', { sopInstanceUid: i.sop, frames: numbers.length });
    return parts;
  }

  /** Frame `n` (1-based) as an 8-bit PNG (gray or RGB). */
  async rendered(i: StoredInstance, n = 1): Promise<Buffer> {
    if (n > i.frames) throw new RopError('DICOMWEB.NOT_FOUND', `Frame ${n} does not exist`, { sop: i.sop });
    return encodePng(await decodeFrame(await this.dataset(i), n - 1));
  }
}

/** `1,2,3` (1-based frame numbers, PS3.18 10.4.1.1.6); anything else is a 400. */
export function parseFrameList(raw: string): number[] {
  if (!/^[0-9]{1,9}(,[0-9]{1,9}){0,999}$/.test(raw))
    throw badRequest('Frame list must be comma-separated numbers');
  const list = raw.split(',').map(Number);
  if (list.some((n) => n < 1)) throw badRequest('Frame numbers start at 1');
  return list;
}
