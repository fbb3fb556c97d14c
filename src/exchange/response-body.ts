// Reading an EWS response body: decompression, the size limit (counted after decompression, so a
// small gzip bomb cannot pass) and streaming into the SOAP reader chunk by chunk.

import { createGunzip, createInflate } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { tooLargeError, unreadableError, type ErrorContext } from './errors.js';
import { emptySoapResponse, soapResponseHandler, type MessageSpec, type SoapResponse } from './soap-response.js';
import { XmlStreamReader, XmlSyntaxError } from './xml-reader.js';

export interface ReadOptions {
  ctx: ErrorContext;
  maxBytes: number;
  /** Receives the body text (first 1 MiB) when body logging is on. */
  logBody?: (text: string) => void;
}

const LOG_LIMIT = 1024 * 1024;

function decoded(res: Dispatcher.ResponseData): AsyncIterable<Buffer> {
  const encoding = String(res.headers['content-encoding'] ?? '').toLowerCase().trim();
  const body = res.body as unknown as Readable;
  if (encoding === 'gzip' || encoding === 'x-gzip' || encoding === 'deflate') {
    const inflate = encoding === 'deflate' ? createInflate() : createGunzip();
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

export async function readResponse<S>(res: Dispatcher.ResponseData, spec: MessageSpec<S>, options: ReadOptions): Promise<SoapResponse<S>> {
  const { ctx, maxBytes } = options;
  const declared = Number(res.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    abandon(res.body);
    throw tooLargeError(ctx, maxBytes);
  }
  const out = emptySoapResponse<S>();
  const reader = new XmlStreamReader(soapResponseHandler(spec, out));
  const decoder = new TextDecoder('utf-8');
  let total = 0;
  let logged = options.logBody ? '' : undefined;
  const stream = decoded(res);
  try {
    for await (const chunk of stream) {
      total += chunk.length;
      if (total > maxBytes) throw tooLargeError(ctx, maxBytes);
      const text = decoder.decode(chunk, { stream: true });
      if (logged !== undefined && logged.length < LOG_LIMIT) logged += text.slice(0, LOG_LIMIT - logged.length);
      reader.write(text);
    }
    reader.write(decoder.decode());
    reader.close();
  } catch (err) {
    abandon(res.body);
    if (stream !== (res.body as unknown)) {
      (stream as Readable).on('error', () => undefined);
      (stream as Readable).destroy();
    }
    if (err instanceof XmlSyntaxError) throw unreadableError(ctx, err.message, err);
    if (err instanceof Error && /^not a SOAP envelope/.test(err.message)) throw unreadableError(ctx, err.message, err);
    if (err instanceof Error && (err as { code?: string }).code?.startsWith('Z_')) throw unreadableError(ctx, `bad compressed body (${(err as { code?: string }).code})`, err);
    throw err;
  } finally {
    if (logged !== undefined) options.logBody?.(logged);
  }
  return out;
}

/** The first `limit` characters of a non-SOAP body (an IIS error page), for error details. */
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
