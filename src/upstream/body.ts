// Response bodies of both upstream transports: decompression, the size limit (counted after
// decompression, so a small gzip bomb cannot pass), and dropping bodies we do not need.

import { createGunzip, createInflate } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';

// zlib's default 16 KiB output chunks cost a stream event, a decode and a parser write each:
// 64 KiB halves the inflate CPU of a 500 KiB GetItem response (bench/sync) for 48 KiB more buffer.
const INFLATE_OPTIONS = { chunkSize: 64 * 1024 } as const;

/** The body as decompressed chunks (gzip, deflate or none). */
export function decoded(res: Dispatcher.ResponseData): AsyncIterable<Buffer> {
  const encoding = String(res.headers['content-encoding'] ?? '').toLowerCase().trim();
  const body = res.body as unknown as Readable;
  if (encoding === 'gzip' || encoding === 'x-gzip' || encoding === 'deflate') {
    const inflate = encoding === 'deflate' ? createInflate(INFLATE_OPTIONS) : createGunzip(INFLATE_OPTIONS);
    // pipeline destroys both ends on error, so iterating `inflate` rejects when the body fails.
    pipeline(body, inflate).catch(() => undefined);
    return inflate;
  }
  return body;
}

/** Stop reading a body we give up on; undici reports the abort as an error event, which is expected here. */
export function abandon(body: Dispatcher.ResponseData['body']): void {
  body.on('error', () => undefined);
  body.destroy();
}

/** Thrown by readLimitedText when a body passes the limit; callers turn it into their own error. */
export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`response body larger than ${limit} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

/** The whole (decompressed) body as UTF-8 text, refusing more than `maxBytes`. */
export async function readLimitedText(res: Dispatcher.ResponseData, maxBytes: number): Promise<string> {
  const declared = Number(res.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    abandon(res.body);
    throw new BodyTooLargeError(maxBytes);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  const stream = decoded(res);
  try {
    for await (const chunk of stream) {
      total += chunk.length;
      if (total > maxBytes) throw new BodyTooLargeError(maxBytes);
      chunks.push(chunk);
    }
  } catch (err) {
    abandon(res.body);
    if (stream !== (res.body as unknown)) {
      (stream as Readable).on('error', () => undefined);
      (stream as Readable).destroy();
    }
    throw err;
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The first `limit` characters of a body (an error page), for error details. */
export async function readSnippet(res: Dispatcher.ResponseData, limit: number): Promise<string> {
  let text = '';
  const decoder = new TextDecoder('utf-8');
  for await (const chunk of decoded(res)) {
    text += decoder.decode(chunk as Buffer, { stream: true });
    if (text.length >= limit) break;
  }
  abandon(res.body);
  return text.slice(0, limit).replace(/\s+/g, ' ').trim();
}

/** Drop a body we do not need, without letting a huge one through. */
export async function discard(body: Dispatcher.ResponseData['body']): Promise<void> {
  try {
    await body.dump({ limit: 64 * 1024 });
  } catch {
    // A failing body after a final status does not change the outcome.
  }
}
