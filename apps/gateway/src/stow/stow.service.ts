import type { Readable } from 'node:stream';
import { isRopError, RopError, type PluginContext } from '@ropline/core';
import type { BlobStore, StagedBlob } from '../blob/blob-store.port.js';
import type { GatewayConfig } from '../config/gateway.config.js';
import type { IngestService } from '../ingest/ingest.service.js';
import { validateInstance } from '../ingest/instance.validator.js';
import { MultipartParser, parseMediaType, type MultipartEvent } from './multipart.parser.js';
import {
  buildStowResponse,
  FailureReason,
  failureReasonOf,
  stowStatus,
  type FailedItem,
  type StoredItem,
} from './stow.response.js';

export interface StowRequest {
  contentType: string | undefined;
  contentLength: string | undefined;
  body: Readable;
  /** StudyInstanceUID from the URL (`/studies/{study}`), when given. */
  studyUid?: string;
  remote?: string;
  /** Base URL for RetrieveURLs, e.g. http://127.0.0.1:8080 */
  baseUrl: string;
}

export interface StowReply {
  status: number;
  body: Record<string, unknown>;
  /** The body was not read to its end: the connection must close after the reply. */
  closeConnection: boolean;
}

const UID = /^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*$/;

/** Part being received: its staged blob, or why it is already known to fail. */
interface PartState {
  staged: StagedBlob | null;
  failure: RopError | null;
}

/**
 * STOW-RS (PS3.18 10.5): streams a multipart/related body part by part into staged blobs, validates
 * and stores each instance, and builds the per-instance reply. Request-level problems throw
 * RopErrors (STOW.*) that the controller translates to HTTP status.
 */
export class StowService {
  constructor(
    private readonly config: GatewayConfig,
    private readonly blobs: BlobStore,
    private readonly ingest: IngestService,
    private readonly ctx: PluginContext,
  ) {}

  async handle(req: StowRequest): Promise<StowReply> {
    const boundary = this.checkRequest(req);
    const limits = this.config.limits;
    if ((await this.blobs.freeBytes()) < limits.minFreeDiskBytes) {
      throw new RopError('STOW.INSUFFICIENT_STORAGE', 'Free disk space is below the configured watermark');
    }
    const parser = new MultipartParser(boundary);
    const stored: StoredItem[] = [];
    const failed: FailedItem[] = [];
    let part: PartState | null = null;
    let total = 0;
    let parts = 0;
    let requestError: RopError | null = null;
    // What is left of a Content-Length body bounds a part's size: an allocation hint for staging.
    const contentLength = req.contentLength === undefined ? NaN : Number(req.contentLength);
    try {
      // Read to the end even after a request-level error (drain), so the reply reaches the client.
      for await (const chunk of req.body as AsyncIterable<Buffer>) {
        total += chunk.length;
        if (requestError) continue;
        try {
          // Bytes up to the limit are still parsed, so parts that fit entirely are stored.
          const allowed = Math.max(0, limits.maxRequestBytes - (total - chunk.length));
          for (const ev of parser.push(allowed < chunk.length ? chunk.subarray(0, allowed) : chunk)) {
            part = await this.onEvent(ev, part, req, stored, failed, contentLength - (total - chunk.length));
            if (ev.type === 'part-start') parts += 1;
          }
          if (allowed < chunk.length) {
            throw new RopError('STOW.REQUEST_TOO_LARGE', 'Request is larger than maxRequestBytes', {
              maxRequestBytes: limits.maxRequestBytes,
            });
          }
        } catch (e) {
          if (!isRopError(e, 'STOW.')) throw e;
          requestError = e;
          await part?.staged?.discard();
          part = null;
        }
      }
      if (!requestError) parser.end();
    } catch (e) {
      if (!isRopError(e, 'STOW.')) throw e;
      requestError = e;
    } finally {
      await part?.staged?.discard();
    }
    if (!requestError && parts === 0) {
      requestError = new RopError('STOW.MALFORMED_MULTIPART', 'The multipart body holds no parts');
    }
    const closeConnection = requestError !== null;
    if (requestError) {
      this.ctx.log('warn', 'STOW request refused', {
        code: requestError.code,
        stored: stored.length,
        bytes: total,
      });
      // Instances already stored are durable: report them rather than hide them behind a 4xx.
      if (stored.length === 0) throw requestError;
      const reason =
        requestError.code === 'STOW.REQUEST_TOO_LARGE'
          ? FailureReason.OutOfResources
          : FailureReason.CannotUnderstand;
      failed.push({ reason });
    }
    const studies = new Set(stored.map((s) => s.retrieveUrl.split('/series/')[0]));
    const studyUrl = req.studyUid
      ? `${req.baseUrl}/dicomweb/studies/${req.studyUid}`
      : studies.size === 1
        ? [...studies][0]
        : null;
    this.ctx.log('info', 'STOW request done', {
      stored: stored.length,
      failed: failed.length,
      bytes: total,
      chunked: req.contentLength === undefined,
    });
    return {
      status: stowStatus(stored.length, failed.length),
      body: buildStowResponse(studyUrl, stored, failed),
      closeConnection,
    };
  }

  /** Validates the request line and headers; returns the multipart boundary. */
  private checkRequest(req: StowRequest): string {
    const mt = parseMediaType(req.contentType);
    if (!mt || mt.type !== 'multipart/related') {
      throw new RopError(
        'STOW.UNSUPPORTED_MEDIA_TYPE',
        'Expected Content-Type multipart/related; type="application/dicom"',
      );
    }
    const type = mt.params.type?.toLowerCase();
    if (type !== undefined && type !== 'application/dicom') {
      throw new RopError('STOW.UNSUPPORTED_MEDIA_TYPE', 'Only type="application/dicom" parts are accepted');
    }
    if (!mt.params.boundary) throw new RopError('STOW.BAD_REQUEST', 'multipart/related without a boundary');
    if (req.studyUid !== undefined && (req.studyUid.length > 64 || !UID.test(req.studyUid))) {
      throw new RopError('STOW.BAD_REQUEST', 'The study in the URL is not a valid UID');
    }
    const length = req.contentLength === undefined ? NaN : Number(req.contentLength);
    if (Number.isFinite(length) && length > this.config.limits.maxRequestBytes) {
      throw new RopError('STOW.REQUEST_TOO_LARGE', 'Content-Length is over maxRequestBytes', {
        maxRequestBytes: this.config.limits.maxRequestBytes,
      });
    }
    return mt.params.boundary;
  }

  private async onEvent(
    ev: MultipartEvent,
    part: PartState | null,
    req: StowRequest,
    stored: StoredItem[],
    failed: FailedItem[],
    bytesLeft: number,
  ): Promise<PartState | null> {
    if (ev.type === 'part-start') {
      const type = parseMediaType(ev.headers['content-type'])?.type;
      if (type !== undefined && type !== 'application/dicom') {
        const failure = new RopError('INGEST.INVALID_PART', 'Part is not application/dicom');
        return { staged: null, failure };
      }
      // The part starts in the current chunk: the body left from that chunk on bounds its size.
      const hint = Number.isFinite(bytesLeft) ? bytesLeft : undefined;
      return { staged: await this.blobs.stage(hint), failure: null };
    }
    if (!part) return null;
    if (ev.type === 'data') {
      if (!part.staged) return part;
      if (part.staged.size + ev.chunk.length > this.config.limits.maxInstanceBytes) {
        await part.staged.discard();
        const failure = new RopError('INGEST.INSTANCE_TOO_LARGE', 'Instance is larger than maxInstanceBytes');
        return { staged: null, failure };
      }
      await part.staged.write(ev.chunk);
      return part;
    }
    await this.finishPart(part, req, stored, failed);
    return null;
  }

  private async finishPart(part: PartState, req: StowRequest, stored: StoredItem[], failed: FailedItem[]) {
    const staged = part.staged;
    try {
      if (!staged) throw part.failure ?? new RopError('INGEST.INVALID_PART', 'empty part');
      await staged.finish();
      const facts = validateInstance(await staged.read(), req.studyUid);
      if ((await this.blobs.freeBytes()) - staged.size < this.config.limits.minFreeDiskBytes) {
        throw new RopError('INGEST.DISK_FULL', 'Free disk space is below the configured watermark', {
          sopClassUid: facts.sopClassUid,
          sopInstanceUid: facts.sopInstanceUid,
        });
      }
      await this.ingest.store(staged, facts, { source: 'stow', remote: req.remote });
      const base = `${req.baseUrl}/dicomweb/studies/${facts.studyInstanceUid}`;
      stored.push({
        sopClassUid: facts.sopClassUid,
        sopInstanceUid: facts.sopInstanceUid,
        retrieveUrl: `${base}/series/${facts.seriesInstanceUid}/instances/${facts.sopInstanceUid}`,
      });
    } catch (e) {
      await staged?.discard();
      const meta = isRopError(e) ? e.meta : {};
      const item: FailedItem = {
        sopClassUid: typeof meta.sopClassUid === 'string' ? meta.sopClassUid : undefined,
        sopInstanceUid: typeof meta.sopInstanceUid === 'string' ? meta.sopInstanceUid : undefined,
        reason: failureReasonOf(e),
      };
      failed.push(item);
      this.ctx.log('warn', 'STOW instance failed', {
        code: isRopError(e) ? e.code : 'UNEXPECTED',
        reason: item.reason,
        sopInstanceUid: item.sopInstanceUid,
      });
    }
  }
}
