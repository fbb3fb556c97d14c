// Reading an EWS response body: decompression, the size limit (counted after decompression, so a
// small gzip bomb cannot pass) and streaming into the SOAP reader chunk by chunk.

import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { abandon, decoded } from '../upstream/body.js';
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

// The generic pieces (decompression, abandoning and discarding bodies) are shared with the Graph transport.
export { abandon, discard, readSnippet } from '../upstream/body.js';

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
