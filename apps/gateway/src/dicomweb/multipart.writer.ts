import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';

/** One body part: its Content-Type and a source of bytes (read lazily, streamed). */
export interface OutPart {
  contentType: string;
  /** Extra part headers, e.g. Content-Location. */
  headers?: Record<string, string>;
  body: () => AsyncIterable<Uint8Array> | Promise<Uint8Array>;
}

/** A `multipart/related` response body streamed part after part (PS3.18 8.6.1.2). */
export function multipartStream(
  parts: readonly OutPart[],
  partType: string,
): { contentType: string; body: Readable } {
  const boundary = `ropline-${randomBytes(12).toString('hex')}`;
  async function* generate(): AsyncGenerator<Uint8Array> {
    for (const part of parts) {
      const head = [`--${boundary}`, `Content-Type: ${part.contentType}`];
      for (const [k, v] of Object.entries(part.headers ?? {})) head.push(`${k}: ${v}`);
      yield Buffer.from(`${head.join('\r\n')}\r\n\r\n`);
      const src = await part.body();
      if (src instanceof Uint8Array) yield src;
      else for await (const chunk of src) yield chunk;
      yield Buffer.from('\r\n');
    }
    yield Buffer.from(`--${boundary}--\r\n`);
  }
  return {
    contentType: `multipart/related; type="${partType}"; boundary=${boundary}`,
    body: Readable.from(generate(), { objectMode: false }),
  };
}
