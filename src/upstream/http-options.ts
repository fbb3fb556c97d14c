// HTTP client options both upstream transports take (EWS and Graph), with their defaults (undici
// Agent, retry policy, per-mailbox semaphore, User-Agent): one place, so both behave alike towards
// Microsoft's servers.

import { createRequire } from 'node:module';
import { Agent, type Dispatcher, type buildConnector } from 'undici';
import type { Logger } from 'pino';
import type { CallObserver } from './call-event.js';
import { defaultRetryPolicy, type RetryPolicy } from './retry.js';
import { KeyedSemaphore } from './semaphore.js';
import { setTimeout as delay } from 'node:timers/promises';

const pkg = createRequire(import.meta.url)('../../package.json') as { version?: string };
export const USER_AGENT = `ewsdav/${pkg.version ?? '0.0.0'}`;

export interface UpstreamHttpOptions {
  /**
   * Where requests go. Default: an undici Agent with keep-alive and the timeouts below. Tests pass
   * their own (or `connect`) to resolve a real host name to 127.0.0.1.
   */
  dispatcher?: Dispatcher;
  /** Connect options for the default Agent (`lookup`, `ca`, …); ignored when `dispatcher` is given. */
  connect?: buildConnector.BuildOptions;
  /** Whole-call deadline per attempt (connect, headers and body), default 30 s. */
  timeoutMs?: number;
  /** TCP/TLS connect deadline, default 10 s. */
  connectTimeoutMs?: number;
  /** Largest response body (after decompression) accepted, default 64 MiB. */
  maxResponseBytes?: number;
  /** Concurrent calls per mailbox, default 4 (EWS-NOTES §14.4; Graph: Outlook's limit per app and mailbox). */
  maxConcurrencyPerMailbox?: number;
  retry?: RetryPolicy;
  userAgent?: string;
  logger?: Logger;
  /** How to wait between attempts; injectable so tests need no wall-clock time. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /**
   * Told about every attempt (one HTTP exchange with the upstream). A plain callback, so this layer
   * knows nothing of metrics libraries; src/server feeds Prometheus from it. Must not throw.
   */
  observe?: CallObserver;
}

/** The default dispatcher: keep-alive, the connect deadline and the per-attempt timeouts. */
export function defaultAgent(options: UpstreamHttpOptions, timeoutMs: number): Agent {
  return new Agent({ connect: { timeout: options.connectTimeoutMs ?? 10_000, ...options.connect }, headersTimeout: timeoutMs, bodyTimeout: timeoutMs, keepAliveTimeout: 30_000 });
}

/** The options with their defaults applied: what a transport keeps. */
export interface UpstreamHttp {
  readonly timeoutMs: number;
  readonly dispatcher: Dispatcher;
  /** Whether the transport created the dispatcher (and so closes it). */
  readonly ownsDispatcher: boolean;
  readonly maxBytes: number;
  readonly retry: RetryPolicy;
  readonly limits: KeyedSemaphore;
  readonly userAgent: string;
  readonly logger: Logger | undefined;
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly observe: CallObserver | undefined;
}

export function upstreamHttp(options: UpstreamHttpOptions): UpstreamHttp {
  const timeoutMs = options.timeoutMs ?? 30_000;
  return {
    timeoutMs,
    dispatcher: options.dispatcher ?? defaultAgent(options, timeoutMs),
    ownsDispatcher: !options.dispatcher,
    maxBytes: options.maxResponseBytes ?? 64 * 1024 * 1024,
    retry: options.retry ?? defaultRetryPolicy(),
    limits: new KeyedSemaphore(options.maxConcurrencyPerMailbox ?? 4),
    userAgent: options.userAgent ?? USER_AGENT,
    logger: options.logger,
    sleep: options.sleep ?? ((ms, signal) => delay(ms, undefined, { signal })),
    observe: options.observe,
  };
}
