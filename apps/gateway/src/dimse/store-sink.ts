import { Writable } from 'node:stream';
import { RopError } from '@ropline/core';
import type { BlobStore, StagedBlob } from '../blob/blob-store.port.js';

/**
 * Where dcmjs-dimse writes a C-STORE data set: the Part-10 header first, then the received
 * fragments unchanged, into a staged blob (never the whole instance in memory). Bytes over
 * `maxBytes` are dropped and the blob discarded; the store then fails with 0xA700.
 *
 * `write()` always reports room (a huge highWaterMark): dcmjs-dimse processes PDUs without
 * awaiting each other, so making it wait on 'drain' could reorder fragments. Node calls `_write`
 * in order, so the file is written in order; the backlog is what the disk has not taken yet.
 */
export class StoreSink extends Writable {
  private staged: StagedBlob | null = null;
  private readonly ready: Promise<void>;
  private failure: RopError | null = null;
  private bytes = 0;

  constructor(
    blobs: BlobStore,
    header: Buffer,
    private readonly maxBytes: number,
  ) {
    super({ highWaterMark: Number.MAX_SAFE_INTEGER, decodeStrings: false });
    this.ready = blobs.stage().then(async (staged) => {
      this.staged = staged;
      await this.append(header);
    });
    // Keep a failed stage() from becoming an unhandled rejection; _write/_final report it.
    this.ready.catch(() => undefined);
  }

  /** Resolves when every received byte is staged (or dropped); rejects on a write error. */
  done(): Promise<void> {
    if (this.writableFinished) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.once('finish', resolve);
      this.once('error', reject);
    });
  }

  /** The staged Part-10 file, or the reason it was not kept (too large). */
  result(): { staged: StagedBlob } | { failure: RopError } {
    if (this.failure || !this.staged) {
      return { failure: this.failure ?? new RopError('INGEST.INVALID_INSTANCE', 'Nothing was staged') };
    }
    return { staged: this.staged };
  }

  get size(): number {
    return this.bytes;
  }

  /** Drops what was staged (association aborted, or the caller is done with a failure). */
  async discard(): Promise<void> {
    await this.ready.catch(() => undefined);
    await this.staged?.discard();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.ready.then(() => this.append(chunk)).then(() => cb(), cb);
  }

  override _final(cb: (e?: Error | null) => void): void {
    this.ready.then(() => cb(), cb);
  }

  private async append(chunk: Buffer): Promise<void> {
    this.bytes += chunk.length;
    if (this.failure) return;
    if (this.bytes > this.maxBytes) {
      this.failure = new RopError('INGEST.INSTANCE_TOO_LARGE', 'Instance is larger than maxInstanceBytes', {
        maxInstanceBytes: this.maxBytes,
      });
      await this.staged?.discard();
      return;
    }
    await this.staged!.write(chunk);
  }
}
