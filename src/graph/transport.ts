// The one path every Graph request takes: `{graphUrl}/v1.0/…` over undici, JSON, the upstream
// auth provider (a 401 asks `onUnauthorized` once), at most 4 requests in flight per mailbox and a
// per-mailbox throttling gate (after a 429/503/504 with Retry-After nothing is sent to that mailbox
// before the time passes; Graph "throttling" page, OAUTH-NOTES §11), the shared retry policy, a
// response size limit and typed errors. Tokens and Authorization headers are never logged.
//
// JSON batching (`POST /$batch`, Graph "json-batching" page): up to 20 GETs in one request,
// answered in any order, each with its own status. A sub-request is judged as the same request
// sent alone would be; a throttled one (429, or 503/504 with Retry-After) closes the mailbox's
// gate and is sent again, alone with the others that failed, once the gate passes. Graph runs up
// to 4 sub-requests of a batch at once against the mailbox (Outlook's concurrency limit), so a
// batch holds that many of the mailbox's slots and batches to one mailbox go one at a time, from
// one queue per mailbox: callers asking at the same time (the sync engine fetches a page's ids in
// concurrent chunks) share batches, so N items cost ⌈N/20⌉ batches however they were asked for.

import type { Dispatcher } from 'undici';
import { EwsdavError } from '../errors.js';
import type { UpstreamAuth } from '../auth/upstream/types.js';
import { BodyTooLargeError, discard, readLimitedText } from '../upstream/body.js';
import { elapsedMs, notifyObserver, type CallObserver } from '../upstream/call-event.js';
import { upstreamHttp, type UpstreamHttp, type UpstreamHttpOptions } from '../upstream/http-options.js';
import { hostPort, networkError, offeredSchemes } from '../upstream/http-errors.js';
import { GRAPH_SERVICE, graphStatusError, type GraphErrorContext } from './errors.js';

export interface GraphTransportOptions extends UpstreamHttpOptions {
  /** The Graph host (graph.url), default https://graph.microsoft.com; `/v1.0` is appended. */
  url?: string | URL;
  /** The clock of the throttling gate (epoch ms); the gate waits with `sleep`. */
  now?: () => number;
}

export interface GraphRequest {
  auth: UpstreamAuth;
  /** The mailbox acted on: concurrency and throttling key, the `mailbox` of the auth context. */
  mailbox: string;
  /** A fixed name for logs and metrics ('graph.delta', 'graph.event', …). */
  operation: string;
  /** A path below /v1.0 ('/me/calendars?$top=50') or an absolute nextLink/deltaLink Graph gave. */
  path: string;
  /** Prefer values besides the standard ones (odata.maxpagesize=…). */
  prefer?: readonly string[];
  signal?: AbortSignal;
}

/** One GET of a batch. */
export interface GraphBatchItem {
  /** A path below /v1.0 ('/me/events/{id}?$select=…'), or an absolute link on the Graph origin. */
  path: string;
  /** Its fixed name in logs and metrics ('graph.event'). */
  operation: string;
}

export interface GraphBatchRequest {
  auth: UpstreamAuth;
  mailbox: string;
  items: readonly GraphBatchItem[];
  /** Prefer values besides the standard ones, sent with every sub-request. */
  prefer?: readonly string[];
  signal?: AbortSignal;
}

/**
 * One sub-request's outcome. Errors here concern the item (not found, forbidden, refused); what
 * concerns the mailbox (the token, throttling or an outage past the retry budget) is thrown.
 */
export type GraphBatchResult<T> = { ok: true; value: T } | { ok: false; error: EwsdavError };

/** Graph's limit of requests in one batch. */
export const MAX_BATCH_REQUESTS = 20;
/** Sub-requests of one batch Graph runs at once against a mailbox (Graph "throttling-limits"). */
const BATCH_PARALLELISM = 4;

interface BatchSubResponse {
  id?: unknown;
  status?: unknown;
  headers?: Record<string, unknown> | null;
  body?: unknown;
}

/** An item waiting in its mailbox's batch queue. */
interface Queued {
  item: GraphBatchItem;
  req: GraphBatchRequest;
  settle: (result: GraphBatchResult<unknown>) => void;
  fail: (err: unknown) => void;
}

interface SendOptions<T> {
  method: 'GET' | 'POST';
  body?: unknown;
  /** Mailbox slots the request holds (a batch: as many as Graph runs of it at once). */
  slots: number;
  /** A 401 inside an answer (a batch's sub-response): the token's problem, handled as an outer 401. */
  unauthorized?: (answer: T) => BatchSubResponse | undefined;
}

/**
 * Sent on every request: start/end in UTC (the model keeps instants), ids that survive moves
 * between folders (OAUTH-NOTES §11). The body keeps its stored type, as EWS BodyType Best does.
 */
const STANDARD_PREFER = ['outlook.timezone="UTC"', 'IdType="ImmutableId"'];

const AUTH_RETRY = Symbol('auth-retry');
/** What a throttled error asks the engine to wait when Graph named no time. */
const DEFAULT_THROTTLE_PAUSE_MS = 30_000;

export class GraphTransport {
  /** The API root, e.g. https://graph.microsoft.com/v1.0 */
  readonly base: URL;
  readonly #now: () => number;
  /** Per mailbox (lower case): the instant before which nothing may be sent. */
  readonly #gates = new Map<string, number>();
  /** Per mailbox (lower case): the items waiting for a batch; present while its pump runs. */
  readonly #queues = new Map<string, Queued[]>();

  readonly #http: UpstreamHttp;

  constructor(options: GraphTransportOptions = {}) {
    const host = new URL(options.url ?? 'https://graph.microsoft.com');
    if (host.protocol !== 'https:' && host.protocol !== 'http:') throw new TypeError(`Graph URL must be http(s): ${host.href}`);
    this.base = new URL(`${host.origin}${host.pathname.replace(/\/+$/, '')}/v1.0`);
    this.#http = upstreamHttp(options);
    this.#now = options.now ?? Date.now;
  }

  async close(): Promise<void> {
    if (this.#http.ownsDispatcher) await this.#http.dispatcher.close();
  }

  /** The absolute URL of a request path; links must stay on the configured Graph origin (they carry our token). */
  urlOf(path: string): URL {
    if (/^https?:\/\//i.test(path)) {
      const url = new URL(path);
      if (url.origin !== this.base.origin) {
        throw new EwsdavError('EWSDAV_ERR_UPSTREAM_RESPONSE', `Microsoft Graph sent a link to another host (${url.host}); it is not followed.`, { host: hostPort(this.base) });
      }
      return url;
    }
    return new URL(this.base.href + (path.startsWith('/') ? path : `/${path}`));
  }

  /** GET and parse JSON, with the retries the policy allows. */
  get<T>(req: GraphRequest): Promise<T> {
    return this.#send<T>(req, { method: 'GET', slots: 1 });
  }

  /**
   * GETs in JSON batches of at most 20, one batch after the other per mailbox, shared with other
   * callers' items for the same mailbox, token and signal; results in the order of `items`.
   * Throws what concerns the whole mailbox (see GraphBatchResult).
   */
  batch<T>(req: GraphBatchRequest): Promise<GraphBatchResult<T>[]> {
    if (req.items.length === 0) return Promise.resolve([]);
    const key = req.mailbox.toLowerCase();
    let queue = this.#queues.get(key);
    const idle = queue === undefined;
    if (!queue) this.#queues.set(key, (queue = []));
    const q = queue;
    const out = Promise.all(req.items.map((item) => new Promise<GraphBatchResult<unknown>>((settle, fail) => q.push({ item, req, settle, fail }))));
    if (idle) void this.#pump(key, q);
    return out as Promise<GraphBatchResult<T>[]>;
  }

  /** Sends a mailbox's queued items, up to 20 of one token and signal per batch, until none is left. */
  async #pump(key: string, queue: Queued[]): Promise<void> {
    // Callers asking in the same turn of the event loop share the first batch too.
    await new Promise<void>((resolve) => setImmediate(resolve));
    try {
      while (queue.length > 0) {
        const head = queue[0]!.req;
        const take: Queued[] = [];
        for (let i = 0; i < queue.length && take.length < MAX_BATCH_REQUESTS; ) {
          const q = queue[i]!;
          if (q.req.auth === head.auth && q.req.signal === head.signal && q.req.prefer?.join() === head.prefer?.join()) take.push(...queue.splice(i, 1));
          else i++;
        }
        const results: GraphBatchResult<unknown>[] = new Array(take.length);
        try {
          await this.#batchOf({ ...head, items: take.map((q) => q.item) }, take.map((_, i) => i), results);
          take.forEach((q, i) => q.settle(results[i]!));
        } catch (err) {
          for (const q of take) q.fail(err);
        }
      }
    } finally {
      this.#queues.delete(key);
    }
  }

  async #batchOf<T>(req: GraphBatchRequest, indices: number[], results: GraphBatchResult<T>[]): Promise<void> {
    const attempts = new Map<number, number>();
    let pending = indices;
    while (pending.length > 0) {
      const requests = pending.map((i) => ({
        id: String(i),
        method: 'GET',
        url: this.#relative(req.items[i]!.path),
        headers: { prefer: [...STANDARD_PREFER, ...(req.prefer ?? [])].join(', ') },
      }));
      const started = performance.now();
      const answer = await this.#send<{ responses?: BatchSubResponse[] }>(
        { auth: req.auth, mailbox: req.mailbox, operation: 'graph.batch', path: '/$batch', ...(req.signal ? { signal: req.signal } : {}) },
        { method: 'POST', body: { requests }, slots: Math.min(pending.length, BATCH_PARALLELISM, this.#http.limits.size), unauthorized: (a) => subResponses(a).find((r) => r.status === 401) },
      );
      const byId = new Map(subResponses(answer).map((r) => [String(r.id), r]));
      const again: number[] = [];
      let backOff = 0;
      for (const i of pending) {
        const item = req.items[i]!;
        const sub = byId.get(String(i));
        const url = this.urlOf(item.path);
        if (!sub) {
          results[i] = { ok: false, error: new EwsdavError('EWSDAV_ERR_UPSTREAM_RESPONSE', `Microsoft Graph left a request of a batch unanswered (${item.operation}).`, { host: hostPort(url), operation: item.operation, mailbox: req.mailbox }) };
          continue;
        }
        const status = Number(sub.status);
        if (status >= 200 && status < 300) {
          results[i] = { ok: true, value: sub.body as T };
          continue;
        }
        const ctx: GraphErrorContext = { operation: item.operation, mailbox: req.mailbox, url, service: GRAPH_SERVICE, authScheme: req.auth.scheme, now: this.#now() };
        const error = graphStatusError(ctx, status, headersOf(sub.headers), sub.body === undefined ? undefined : JSON.stringify(sub.body));
        const attempt = (attempts.get(i) ?? 0) + 1;
        attempts.set(i, attempt);
        if (error.retryAfterMs !== undefined) this.#closeGate(req.mailbox, error.retryAfterMs);
        const wait = this.#http.retry.next(error, attempt);
        notifyObserver(this.#http.observe, { operation: item.operation, result: error.category, durationMs: elapsedMs(started), mailbox: req.mailbox, attempt, ...(wait !== undefined ? { retryInMs: wait } : {}) }, this.#http.logger);
        const fields = { op: item.operation, mailbox: req.mailbox, attempt, result: error.category, status, upstreamCode: error.details.upstreamCode, retryInMs: wait, batched: true };
        if (wait === undefined) {
          if (error.category === 'throttled' || error.category === 'transient' || error.category === 'auth') {
            if (error.category === 'throttled' && error.details.retryAfterMs === undefined) error.details.retryAfterMs = DEFAULT_THROTTLE_PAUSE_MS;
            this.#http.logger?.warn(fields, `graph request failed: ${error.message}`);
            throw error;
          }
          results[i] = { ok: false, error };
          continue;
        }
        this.#http.logger?.info(fields, 'graph request will be retried');
        again.push(i);
        // Throttled sub-requests wait at the mailbox's gate (so does everything else for it); others back off.
        if (error.category === 'throttled') this.#closeGate(req.mailbox, wait);
        else backOff = Math.max(backOff, wait);
      }
      if (backOff > 0) await this.#http.sleep(backOff, req.signal);
      pending = again;
    }
  }

  /** A request path as a batch's `url` names it: relative to /v1.0. */
  #relative(path: string): string {
    const url = this.urlOf(path);
    const base = this.base.pathname;
    const rel = url.pathname.startsWith(`${base}/`) ? url.pathname.slice(base.length) : url.pathname;
    return rel + url.search;
  }

  async #send<T>(req: GraphRequest, how: SendOptions<T>): Promise<T> {
    const url = this.urlOf(req.path);
    const ctx: GraphErrorContext = { operation: req.operation, mailbox: req.mailbox, url, service: GRAPH_SERVICE, authScheme: req.auth.scheme };
    let authAttempt = 1;
    for (let attempt = 1; ; attempt++) {
      let started = performance.now();
      const report = (result: Parameters<CallObserver>[0]['result'], retryInMs?: number) =>
        notifyObserver(this.#http.observe, { operation: req.operation, result, durationMs: elapsedMs(started), mailbox: req.mailbox, attempt, ...(retryInMs !== undefined ? { retryInMs } : {}) }, this.#http.logger);
      try {
        const result = await this.#withSlots(req.mailbox, how.slots, req.signal, async () => {
          await this.#passGate(req.mailbox, req.signal);
          started = performance.now();
          return this.#once<T>(req, url, ctx, authAttempt, how);
        });
        if (result === AUTH_RETRY) {
          // The provider renewed its token after a 401: exactly one more try.
          report('auth');
          authAttempt = 2;
          attempt--;
          continue;
        }
        report('ok');
        this.#http.logger?.debug({ op: req.operation, mailbox: req.mailbox, attempt, durationMs: elapsedMs(started) }, 'graph request');
        return result;
      } catch (err) {
        if (!(err instanceof EwsdavError)) {
          report(req.signal?.aborted ? 'aborted' : 'permanent');
          throw err;
        }
        if (err.retryAfterMs !== undefined) this.#closeGate(req.mailbox, err.retryAfterMs);
        const wait = this.#http.retry.next(err, attempt);
        report(err.category, wait);
        const fields = { op: req.operation, mailbox: req.mailbox, attempt, result: err.category, code: err.code, upstreamCode: err.details.upstreamCode, retryInMs: wait };
        if (wait === undefined) {
          // The engine pauses the mailbox for retryAfterMs; a 429 without Retry-After still gets a pause.
          if (err.category === 'throttled' && err.details.retryAfterMs === undefined) err.details.retryAfterMs = DEFAULT_THROTTLE_PAUSE_MS;
          this.#http.logger?.warn(fields, `graph request failed: ${err.message}`);
          throw err;
        }
        this.#http.logger?.info(fields, 'graph request will be retried');
        // A throttled mailbox waits at its gate (the next attempt, and every other request to it,
        // pass it first); other failures back off here.
        if (err.category === 'throttled') this.#closeGate(req.mailbox, wait);
        else await this.#http.sleep(wait, req.signal);
      }
    }
  }

  /** Every page of a collection, following nextLink (not for delta, whose links are sync state). */
  async *pages<T>(req: GraphRequest): AsyncGenerator<T[]> {
    let path: string | undefined = req.path;
    while (path) {
      const page: { value?: T[]; '@odata.nextLink'?: string } = await this.get({ ...req, path });
      yield Array.isArray(page.value) ? page.value : [];
      path = page['@odata.nextLink'];
    }
  }

  /**
   * Runs `fn` holding `count` of the mailbox's slots, taken one by one: only the mailbox's one
   * batch pump asks for more than one, so two such holders never wait for each other.
   */
  #withSlots<R>(mailbox: string, count: number, signal: AbortSignal | undefined, fn: () => Promise<R>): Promise<R> {
    const limits = this.#http.limits;
    const hold = (n: number): Promise<R> => (n <= 1 ? limits.run(mailbox, signal, fn) : limits.run(mailbox, signal, () => hold(n - 1)));
    return hold(count);
  }

  #closeGate(mailbox: string, ms: number): void {
    const key = mailbox.toLowerCase();
    const until = this.#now() + ms;
    if (until > (this.#gates.get(key) ?? 0)) this.#gates.set(key, until);
  }

  async #passGate(mailbox: string, signal: AbortSignal | undefined): Promise<void> {
    const key = mailbox.toLowerCase();
    const until = this.#gates.get(key);
    if (until === undefined) return;
    const wait = until - this.#now();
    if (wait <= 0) {
      this.#gates.delete(key);
      return;
    }
    await this.#http.sleep(wait, signal);
  }

  async #once<T>(req: GraphRequest, url: URL, ctx: GraphErrorContext, authAttempt: number, how: SendOptions<T>): Promise<T | typeof AUTH_RETRY> {
    const authCtx = { url, mailbox: req.mailbox, attempt: authAttempt, ...(req.signal ? { signal: req.signal } : {}) };
    const authorization = await req.auth.authorize(authCtx);
    const timeout = AbortSignal.timeout(this.#http.timeoutMs);
    const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
    const headers: Record<string, string> = {
      accept: 'application/json',
      'accept-encoding': 'gzip',
      'user-agent': this.#http.userAgent,
      prefer: [...STANDARD_PREFER, ...(req.prefer ?? [])].join(', '),
      ...(how.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...authorization.headers,
    };
    const body = how.body !== undefined ? JSON.stringify(how.body) : undefined;
    let res: Dispatcher.ResponseData;
    try {
      res = await this.#http.dispatcher.request({ origin: url.origin, path: url.pathname + url.search, method: how.method, headers, ...(body !== undefined ? { body } : {}), signal, headersTimeout: this.#http.timeoutMs, bodyTimeout: this.#http.timeoutMs });
    } catch (err) {
      throw this.#failure(ctx, err, req.signal);
    }
    const status = res.statusCode;
    if (status === 401 && authAttempt === 1 && req.auth.onUnauthorized) {
      const www = res.headers['www-authenticate'];
      const text = await this.#errorText(res);
      const values = www === undefined ? [] : Array.isArray(www) ? www : [www];
      const decision = await req.auth.onUnauthorized(authCtx, { offeredSchemes: offeredSchemes(www), wwwAuthenticate: values });
      if (decision === 'retry') return AUTH_RETRY;
      throw graphStatusError({ ...ctx, now: this.#now() }, status, res.headers, text);
    }
    if (status < 200 || status >= 300) {
      throw graphStatusError({ ...ctx, now: this.#now() }, status, res.headers, await this.#errorText(res));
    }
    let parsed: T;
    try {
      const text = await readLimitedText(res, this.#http.maxBytes);
      parsed = JSON.parse(text) as T;
    } catch (err) {
      if (err instanceof BodyTooLargeError) {
        throw new EwsdavError('EWSDAV_ERR_UPSTREAM_TOO_LARGE', `Microsoft Graph sent more than ${err.limit} bytes for ${req.operation}; the response was abandoned.`, {
          host: hostPort(url), operation: req.operation, mailbox: req.mailbox, limit: err.limit,
          hint: 'Raise exchange.maxResponseBytes, or lower the page size.',
        });
      }
      if (err instanceof SyntaxError) {
        throw new EwsdavError('EWSDAV_ERR_UPSTREAM_RESPONSE', `Microsoft Graph sent a response the bridge cannot read (${req.operation}): ${err.message}`, { host: hostPort(url), operation: req.operation, mailbox: req.mailbox });
      }
      throw this.#failure(ctx, err, req.signal);
    }
    const denied = how.unauthorized?.(parsed);
    if (denied) {
      // The sub-requests of a batch carry the batch's token: a 401 among them is that token's problem.
      const subCtx = { ...ctx, now: this.#now() };
      if (authAttempt === 1 && req.auth.onUnauthorized) {
        const www = headersOf(denied.headers)['www-authenticate'];
        const decision = await req.auth.onUnauthorized(authCtx, { offeredSchemes: offeredSchemes(www), wwwAuthenticate: www === undefined ? [] : [www] });
        if (decision === 'retry') return AUTH_RETRY;
      }
      throw graphStatusError(subCtx, 401, headersOf(denied.headers), denied.body === undefined ? undefined : JSON.stringify(denied.body));
    }
    return parsed;
  }

  /** An error body (JSON, small); anything longer than 64 KiB is cut off unread. */
  async #errorText(res: Dispatcher.ResponseData): Promise<string | undefined> {
    try {
      return await readLimitedText(res, 64 * 1024);
    } catch {
      await discard(res.body);
      return undefined;
    }
  }

  /** Our errors pass, the caller's abort passes unchanged, the rest is network. */
  #failure(ctx: GraphErrorContext, err: unknown, callerSignal: AbortSignal | undefined): unknown {
    if (err instanceof EwsdavError) return err;
    if (callerSignal?.aborted) return callerSignal.reason;
    return networkError(ctx, err);
  }
}

function subResponses(answer: { responses?: unknown } | null | undefined): BatchSubResponse[] {
  const list = answer && typeof answer === 'object' ? answer.responses : undefined;
  return Array.isArray(list) ? list.filter((r): r is BatchSubResponse => !!r && typeof r === 'object') : [];
}

/** A sub-response's headers with lower-case names, as node's own. */
function headersOf(headers: Record<string, unknown> | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) if (typeof v === 'string' || typeof v === 'number') out[k.toLowerCase()] = String(v);
  return out;
}
