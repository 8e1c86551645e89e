import type { Image8 } from '@ropline/core';
import type { Database } from '@ropline/db';
import { decodeFrame, readDicom } from '@ropline/dicom';
import type { BlobStore } from '@ropline/gateway';
import { encodePng, resize } from '@ropline/preprocess';
import { badRequest, notFound } from './review.errors.js';

/** Shrinks so that the longer side is at most `max` (area averaging per channel); never enlarges. */
export function fitWithin(img: Image8, max: number): Image8 {
  const scale = max / Math.max(img.width, img.height);
  if (scale >= 1) return img;
  const width = Math.max(1, Math.round(img.width * scale));
  const height = Math.max(1, Math.round(img.height * scale));
  if (img.channels === 1) return resize(img, width, height, 'area');
  const n = img.width * img.height;
  const out = new Uint8Array(width * height * 3);
  for (let c = 0; c < 3; c++) {
    const plane = new Uint8Array(n);
    for (let i = 0; i < n; i++) plane[i] = img.data[i * 3 + c];
    const small = resize(
      { data: plane, width: img.width, height: img.height, channels: 1 },
      width,
      height,
      'area',
    );
    for (let i = 0; i < width * height; i++) out[i * 3 + c] = small.data[i];
  }
  return { data: out, width, height, channels: 3 };
}

/** Source frames as PNG and the current analysis' line masks, by internal instance id. */
export class ImageRenderService {
  constructor(
    private readonly db: Database,
    private readonly blobs: Pick<BlobStore, 'get'>,
  ) {}

  private async instance(id: string) {
    const inst = await this.db.prisma.instance.findUnique({
      where: { id },
      select: { id: true, blobSha256: true, frames: true, series: { select: { studyId: true } } },
    });
    if (!inst) throw notFound('Instance');
    return inst;
  }

  /** Frame `frame` (0-based, like predictions and labels) as 8-bit PNG, longer side <= max. */
  async frame(id: string, frame: number, max: number): Promise<{ png: Buffer; etag: string }> {
    const inst = await this.instance(id);
    if (frame >= Math.max(1, inst.frames)) throw notFound('Frame');
    const img = await decodeFrame(readDicom(await this.blobs.get(inst.blobSha256)), frame);
    return { png: encodePng(fitWithin(img, max)), etag: `"${inst.blobSha256.slice(0, 32)}-${frame}-${max}"` };
  }

  /** The line mask (0/255 gray PNG at the image's size) of the study's current analysis. */
  async mask(id: string, frame: number): Promise<{ png: Buffer; etag: string }> {
    const inst = await this.instance(id);
    const current = await this.db.prisma.analysis.findFirst({
      where: { studyId: inst.series.studyId, status: 'done' },
      orderBy: { createdAt: 'desc' },
      select: { id: true },
    });
    if (!current) throw notFound('Analysis');
    const p = await this.db.prisma.prediction.findUnique({
      where: { analysisId_instanceId_frame: { analysisId: current.id, instanceId: inst.id, frame } },
      select: { maskSha256: true },
    });
    if (!p?.maskSha256) throw notFound('Mask');
    return { png: await this.blobs.get(p.maskSha256), etag: `"${p.maskSha256.slice(0, 32)}"` };
  }
}

/** `max` query: 16..4096, default 1024. */
export function maxSide(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 1024;
  if (!/^[0-9]{1,4}$/.test(raw) || Number(raw) < 16 || Number(raw) > 4096)
    throw badRequest('max must be an integer 16..4096');
  return Number(raw);
}
