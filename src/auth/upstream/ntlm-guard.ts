// Helpers of the NTLM dispatcher (./ntlm-dispatcher.ts): a handler wrapper that watches one
// request on a kept-alive connection, and header utilities. The wrapper lets the dispatcher
// notice, before the caller sees anything, that an "authenticated" connection was not (a 401
// offering NTLM/Negotiate: the server lost the binding) or was closed under the request
// (keep-alive timeout race), so it can re-handshake once and resend.

import type { Dispatcher } from 'undici';

export type GuardOutcome =
  | { kind: 'done'; status: number } // the caller's handler got the response
  | { kind: 'failed' } // the caller's handler got an error
  | { kind: 'unauthorized' } // swallowed 401 that asks for a new handshake
  | { kind: 'reset' }; // connection closed before any response: safe to resend once

/** Socket errors that mean "the server closed this connection before answering". */
const RESET_CODES: ReadonlySet<string> = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE', 'UND_ERR_CLOSED']);

export function isConnectionReset(err: unknown): boolean {
  let e: unknown = err;
  for (let i = 0; i < 4 && e && typeof e === 'object'; i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && RESET_CODES.has(code)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** `WWW-Authenticate` values from undici's raw header list ([name, value, name, value, …]). */
export function rawWwwAuthenticate(raw: readonly (Buffer | string)[] | null | undefined): string[] {
  const out: string[] = [];
  if (!raw) return out;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (String(raw[i]).toLowerCase() === 'www-authenticate') out.push(String(raw[i + 1]));
  }
  return out;
}

/** True when a challenge list offers a connection-bound scheme (NTLM or Negotiate). */
export function offersConnectionAuth(values: readonly string[]): boolean {
  return values.some((v) => /^\s*(ntlm|negotiate)\b/i.test(v));
}

/**
 * Wraps the caller's (legacy-style) handler for one attempt. `intercept` is false on the last
 * attempt: then everything passes through, including a final 401 the transport must diagnose.
 */
export class ResponseGuard implements Dispatcher.DispatchHandler {
  #inner: Dispatcher.DispatchHandler;
  #intercept: boolean;
  #settle: (o: GuardOutcome) => void;
  #status = 0;
  #swallow = false;
  #settled = false;

  constructor(inner: Dispatcher.DispatchHandler, intercept: boolean, settle: (o: GuardOutcome) => void) {
    this.#inner = inner;
    this.#intercept = intercept;
    this.#settle = settle;
  }

  #finish(o: GuardOutcome): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#settle(o);
  }

  onConnect(abort: (err?: Error) => void): void {
    this.#inner.onConnect?.(abort);
  }

  onResponseStarted(): void {
    if (!this.#swallow) this.#inner.onResponseStarted?.();
  }

  onHeaders(statusCode: number, headers: Buffer[], resume: () => void, statusText: string): boolean {
    if (statusCode >= 200) this.#status = statusCode;
    if (statusCode === 401 && this.#intercept && offersConnectionAuth(rawWwwAuthenticate(headers))) {
      // Read the 401 to its end (keep-alive needs it) and tell nobody.
      this.#swallow = true;
      return true;
    }
    return this.#inner.onHeaders?.(statusCode, headers, resume, statusText) ?? true;
  }

  onData(chunk: Buffer): boolean {
    if (this.#swallow) return true;
    return this.#inner.onData?.(chunk) ?? true;
  }

  onComplete(trailers: string[] | null): void {
    if (this.#swallow) return this.#finish({ kind: 'unauthorized' });
    this.#inner.onComplete?.(trailers);
    this.#finish({ kind: 'done', status: this.#status });
  }

  onError(err: Error): void {
    if (this.#intercept && this.#status === 0 && !this.#swallow && isConnectionReset(err)) return this.#finish({ kind: 'reset' });
    if (this.#swallow) {
      // The swallowed 401 broke off: a new handshake on a fresh connection is still the cure.
      return this.#finish({ kind: 'unauthorized' });
    }
    this.#inner.onError?.(err);
    this.#finish({ kind: 'failed' });
  }
}

type HeaderValue = string | string[];

/** undici's header forms (record, flat array, iterable of pairs) → a lower-cased record. */
export function headerRecord(h: Dispatcher.DispatchOptions['headers']): Record<string, HeaderValue> {
  const out: Record<string, HeaderValue> = {};
  const add = (k: string, v: HeaderValue | undefined): void => {
    if (v !== undefined) out[k.toLowerCase()] = v;
  };
  if (!h) return out;
  if (Array.isArray(h)) {
    for (let i = 0; i + 1 < h.length; i += 2) add(String(h[i]), String(h[i + 1]));
  } else if (Symbol.iterator in h && typeof (h as Iterable<unknown>)[Symbol.iterator] === 'function') {
    for (const [k, v] of h as Iterable<[string, HeaderValue | undefined]>) add(k, v);
  } else {
    for (const [k, v] of Object.entries(h as Record<string, HeaderValue | undefined>)) add(k, v);
  }
  return out;
}

/** Bodies that can be sent twice: the reset/401 replays need them. */
export function isReplayable(body: Dispatcher.DispatchOptions['body']): boolean {
  return body == null || typeof body === 'string' || body instanceof Uint8Array;
}
