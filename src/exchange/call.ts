// The one path every EWS call takes (what exchangelib's EWSService._get_elements owns, STYLE.md §5):
// SOAP envelope with RequestServerVersion and optional ExchangeImpersonation / TimeZoneContext,
// the auth provider, X-AnchorMailbox on every call, timeouts, a response size limit, a per-mailbox
// concurrency cap, the injected retry policy, and mapping of HTTP statuses, SOAP faults and
// ResponseMessage codes to EwsdavError. Operations (./operations/*) know none of this.

import type { Dispatcher } from 'undici';
import { EwsdavError } from '../errors.js';
import type { UpstreamAuth } from '../auth/upstream/types.js';
import { checkResponse, forbiddenError, networkError, unauthorizedError, httpStatusError, offeredSchemes, type ErrorContext } from './errors.js';
import type { ExchangeVersion } from './namespaces.js';
import type { EwsOperation } from './operation.js';
import { elapsedMs, notifyObserver, type UpstreamCallEvent } from '../upstream/call-event.js';
import { upstreamHttp, type UpstreamHttp, type UpstreamHttpOptions } from '../upstream/http-options.js';
import { buildEnvelope } from './envelope.js';
import { readResponse, readSnippet, discard } from './response-body.js';

export { USER_AGENT } from '../upstream/http-options.js';

export interface EwsTransportOptions extends UpstreamHttpOptions {
  /** The EWS endpoint, e.g. https://outlook.office365.com/EWS/Exchange.asmx. */
  url: string | URL;
  /** RequestServerVersion (EWS-NOTES §2.3); default Exchange2016. Exchange 2013 needs Exchange2013_SP1. */
  serverVersion?: ExchangeVersion;
  /** Windows zone id for the TimeZoneContext header (EWS-NOTES §7.4); default none (UTC values). */
  timeZoneContext?: string;
  /** Log request and response bodies at debug level. Off by default: bodies hold calendar data. */
  logBodies?: boolean;
}

/** One attempt of an EWS call, as reported to `observe` (the type both upstreams share). */
export type EwsCallEvent = UpstreamCallEvent;

export interface CallOptions {
  auth: UpstreamAuth;
  /** The mailbox the call acts on: X-AnchorMailbox, concurrency key, impersonation target. */
  mailbox: string;
  signal?: AbortSignal;
}

const AUTH_RETRY = Symbol('auth-retry');

export class EwsTransport {
  readonly url: URL;
  readonly serverVersion: ExchangeVersion;
  readonly #wrapped = new WeakMap<UpstreamAuth, Dispatcher>();
  readonly #tzContext: string | undefined;
  readonly #logBodies: boolean;

  readonly #http: UpstreamHttp;

  constructor(options: EwsTransportOptions) {
    this.url = new URL(options.url);
    if (this.url.protocol !== 'https:' && this.url.protocol !== 'http:') throw new TypeError(`EWS URL must be http(s): ${this.url.href}`);
    this.serverVersion = options.serverVersion ?? 'Exchange2016';
    this.#http = upstreamHttp(options);
    this.#tzContext = options.timeZoneContext;
    this.#logBodies = options.logBodies ?? false;
  }

  /** One operation call; batched operations are split and their results merged in order. */
  async call<A, R, S>(op: EwsOperation<A, R, S>, args: A, options: CallOptions): Promise<R> {
    if (!op.batch) return this.#callWithRetry(op, args, options);
    const parts = op.batch.split(args, op.batch.size);
    if (parts.length === 0) return op.batch.merge([]);
    if (parts.length === 1) return this.#callWithRetry(op, parts[0]!, options);
    // Chunks run concurrently; the per-mailbox semaphore keeps the real parallelism bounded.
    const results = await Promise.all(parts.map((part) => this.#callWithRetry(op, part, options)));
    return op.batch.merge(results);
  }

  async close(): Promise<void> {
    if (this.#http.ownsDispatcher) await this.#http.dispatcher.close();
  }

  async #callWithRetry<A, R, S>(op: EwsOperation<A, R, S>, args: A, options: CallOptions): Promise<R> {
    const ctx: ErrorContext = { operation: op.name, mailbox: options.mailbox, url: this.url };
    let authAttempt = 1;
    for (let attempt = 1; ; attempt++) {
      // Reset once a slot is granted: the duration is Exchange's, not our own queue's.
      let started = performance.now();
      try {
        const result = await this.#http.limits.run(options.mailbox, options.signal, () => {
          started = performance.now();
          return this.#once(op, args, options, ctx, authAttempt);
        });
        if (result === AUTH_RETRY) {
          // The provider refreshed its credential after a 401; exactly one more try (EWS-NOTES §14.3).
          this.#report({ operation: op.name, result: 'auth', durationMs: elapsedMs(started), mailbox: options.mailbox, attempt });
          authAttempt = 2;
          attempt--;
          continue;
        }
        const durationMs = elapsedMs(started);
        this.#http.logger?.debug({ op: op.name, mailbox: options.mailbox, attempt, durationMs, result: 'ok' }, 'ews call');
        this.#report({ operation: op.name, result: 'ok', durationMs, mailbox: options.mailbox, attempt });
        return result;
      } catch (err) {
        if (!(err instanceof EwsdavError)) {
          // The caller aborted (shutdown, a replaced account), or a bug.
          this.#report({ operation: op.name, result: options.signal?.aborted ? 'aborted' : 'permanent', durationMs: elapsedMs(started), mailbox: options.mailbox, attempt });
          throw err;
        }
        const wait = this.#http.retry.next(err, attempt);
        const fields = {
          op: op.name,
          mailbox: options.mailbox,
          attempt,
          durationMs: elapsedMs(started),
          result: err.category,
          code: err.code,
          upstreamCode: err.details.upstreamCode,
          retryInMs: wait,
        };
        this.#report({ operation: op.name, result: err.category, durationMs: fields.durationMs, mailbox: options.mailbox, attempt, ...(wait !== undefined ? { retryInMs: wait } : {}) });
        if (wait === undefined) {
          this.#http.logger?.warn(fields, `ews call failed: ${err.message}`);
          throw err;
        }
        this.#http.logger?.info(fields, 'ews call will be retried');
        await this.#http.sleep(wait, options.signal);
      }
    }
  }

  #report(event: EwsCallEvent): void {
    notifyObserver(this.#http.observe, event, this.#http.logger);
  }

  #dispatcherFor(auth: UpstreamAuth): Dispatcher {
    if (!auth.wrapDispatcher) return this.#http.dispatcher;
    let d = this.#wrapped.get(auth);
    if (!d) {
      d = auth.wrapDispatcher(this.#http.dispatcher);
      this.#wrapped.set(auth, d);
    }
    return d;
  }

  async #once<A, R, S>(op: EwsOperation<A, R, S>, args: A, options: CallOptions, ctx: ErrorContext, authAttempt: number): Promise<R | typeof AUTH_RETRY> {
    const { auth, mailbox } = options;
    const authCtx = { url: this.url, mailbox, attempt: authAttempt, signal: options.signal };
    const authorization = await auth.authorize(authCtx);
    const reqCtx = { version: this.serverVersion, mailbox };
    const body = buildEnvelope({
      version: this.serverVersion,
      impersonate: authorization.impersonate?.primarySmtpAddress,
      timeZoneContext: this.#tzContext,
      body: op.request(args, reqCtx),
    });
    if (this.#logBodies) this.#http.logger?.debug({ op: op.name, mailbox, body }, 'ews request body');

    const timeout = AbortSignal.timeout(this.#http.timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    const headers: Record<string, string> = {
      'content-type': 'text/xml; charset=utf-8',
      accept: 'text/xml',
      'accept-encoding': 'gzip',
      'user-agent': this.#http.userAgent,
      // Routes the request to the mailbox's server; required with impersonation, cheap always
      // (EWS-NOTES §2.1; exchangelib sends it on every call).
      'x-anchormailbox': mailbox,
      ...authorization.headers,
    };

    let res: Dispatcher.ResponseData;
    try {
      res = await this.#dispatcherFor(auth).request({
        origin: this.url.origin,
        path: this.url.pathname + this.url.search,
        method: 'POST',
        headers,
        body,
        signal,
        headersTimeout: this.#http.timeoutMs,
        bodyTimeout: this.#http.timeoutMs,
      });
    } catch (err) {
      throw this.#failure(ctx, err, options.signal);
    }

    const status = res.statusCode;
    if (status === 401) {
      const www = res.headers['www-authenticate'];
      await discard(res.body);
      if (authAttempt === 1 && auth.onUnauthorized) {
        const values = www === undefined ? [] : Array.isArray(www) ? www : [www];
        const decision = await auth.onUnauthorized(authCtx, { offeredSchemes: offeredSchemes(www), wwwAuthenticate: values });
        if (decision === 'retry') return AUTH_RETRY;
      }
      throw unauthorizedError(ctx, auth.scheme, www);
    }
    if (status === 403) {
      await discard(res.body);
      throw forbiddenError(ctx);
    }
    const contentType = String(res.headers['content-type'] ?? '');
    const xml = /xml/i.test(contentType);
    if (status !== 200 && !(status === 500 && xml)) {
      const snippet = await readSnippet(res, 4096).catch(() => undefined);
      throw httpStatusError(ctx, status, res.headers, snippet);
    }

    try {
      const parsed = await readResponse(res, op.response(args, reqCtx), { ctx, maxBytes: this.#http.maxBytes, logBody: this.#logBodies ? (text) => this.#http.logger?.debug({ op: op.name, mailbox, body: text }, 'ews response body') : undefined });
      checkResponse(parsed, op.slotErrors, ctx, status);
      return op.result(parsed.messages, args, { ...reqCtx, url: this.url, operation: op.name, serverVersion: parsed.serverVersion });
    } catch (err) {
      throw this.#failure(ctx, err, options.signal);
    }
  }

  /** Normalise a thrown value: our errors pass, the caller's abort passes unchanged, the rest is network. */
  #failure(ctx: ErrorContext, err: unknown, callerSignal: AbortSignal | undefined): unknown {
    if (err instanceof EwsdavError) return err;
    if (callerSignal?.aborted) return callerSignal.reason;
    return networkError(ctx, err);
  }
}
