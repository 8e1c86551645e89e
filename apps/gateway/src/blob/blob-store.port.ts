/** A stored blob, named by the sha256 (lower-case hex) of its bytes. */
export interface BlobRef {
  sha256: string;
  size: number;
}

/**
 * A blob being received (in memory or a temp file in the store's filesystem). `commit()` hashes it
 * if that is not done yet and makes it durable (fsync file, rename, fsync directory); `discard()`
 * removes it. Exactly one of them must be called; both are safe to call twice.
 */
export interface StagedBlob {
  write(chunk: Uint8Array): Promise<void>;
  readonly size: number;
  /** Stops writing; the bytes stay staged (their count: `size`). */
  finish(): Promise<void>;
  /** The staged bytes (callers bound the size before reading). Only after finish(). */
  read(): Promise<Buffer>;
  /** Makes the blob durable; its digest is known from here on. */
  commit(): Promise<BlobRef>;
  discard(): Promise<void>;
}

/** Content-addressed blob store port (kind 'blob-store'). Keys are sha256 hex, never received strings. */
export interface BlobStore {
  has(sha256: string): Promise<boolean>;
  stat(sha256: string): Promise<BlobRef | null>;
  get(sha256: string): Promise<Buffer>;
  put(bytes: Uint8Array): Promise<BlobRef>;
  /** `sizeHint`: expected bytes, if known (an allocation hint only; any size may be written). */
  stage(sizeHint?: number): Promise<StagedBlob>;
  /**
   * Deletes a blob no row refers to (e.g. the bytes of a refused duplicate). Absent is fine. The
   * caller guarantees nothing refers to it; stored instances are never removed.
   */
  remove(sha256: string): Promise<void>;
  /** Free bytes on the store's filesystem (for the disk watermark). */
  freeBytes(): Promise<number>;
}
