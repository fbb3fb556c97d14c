// The undici Dispatcher behind `ntlm`: NTLM authenticates a TCP connection, not a request
// (MS-NLMP §1.3; IIS binds the identity to the connection), so this owns a small pool of
// kept-alive undici Clients per origin — one socket each — runs NEGOTIATE → CHALLENGE →
// AUTHENTICATE once per new socket and then sends requests with no Authorization header.
// N calls on warm connections cost N HTTP requests. It knows nothing about EWS or credentials:
// an NtlmTokens source makes the messages.

import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { Client, Dispatcher, buildConnector } from 'undici';
import { EwsdavError } from '../../errors.js';
import { ResponseGuard, headerRecord, isReplayable, offersConnectionAuth, type GuardOutcome } from './ntlm-guard.js';

export type HttpAuthScheme = 'NTLM' | 'Negotiate';

export interface NtlmTokens {
  negotiate(): Buffer;
  /** AUTHENTICATE for this CHALLENGE; `socket` gives TLS channel bindings, `host` the SPN. */
  authenticate(challenge: Buffer, negotiate: Buffer, info: { host: string; socket: Socket | TLSSocket }): Buffer;
}

export interface NtlmDispatcherOptions {
  tokens: NtlmTokens;
  /** Kept-alive connections per origin (default 4: EWS-NOTES §14.4's per-mailbox concurrency). */
  maxConnections?: number;
  /** Scheme to try first; the other one is used when the server offers only that. */
  scheme?: HttpAuthScheme;
  /** How sockets are made (a test resolver, an internal CA…); default: what `base` uses. */
  connect?: buildConnector.BuildOptions | buildConnector.connector;
  /** Idle time before the client closes a connection (default 60 s; IIS idles out at 120 s). */
  keepAliveTimeoutMs?: number;
}

export interface NtlmStats {
  connections: number;
  handshakes: number;
  requests: number;
  resends: number;
}

interface Conn {
  client: Client;
  /** The socket the connector made last. */
  socket?: Socket;
  /** The socket the last successful handshake ran on. */
  authed?: Socket;
  busy: boolean;
}

interface Origin {
  conns: Conn[];
  waiters: ((c: Conn) => void)[];
  scheme: HttpAuthScheme;
}

const MAX_401_BODY = 64 * 1024;

function isLive(c: Conn): boolean {
  return c.authed !== undefined && c.authed === c.socket && !c.socket.destroyed && c.socket.readable;
}

/**
 * undici's Agent keeps its connect options (the transport's resolver, CA, timeout) in an own
 * symbol-keyed property named "options" (undici 7 lib/dispatcher/agent.js). Reading it lets the
 * Clients made here connect exactly as the transport would. Anything else: undici's defaults.
 */
export function inheritedConnect(base: Dispatcher): buildConnector.BuildOptions | buildConnector.connector | undefined {
  const key = Object.getOwnPropertySymbols(base).find((s) => s.description === 'options');
  const options = key ? (base as unknown as Record<symbol, { connect?: unknown } | undefined>)[key] : undefined;
  const connect = options?.connect;
  if (typeof connect === 'function') return connect as buildConnector.connector;
  if (connect && typeof connect === 'object') return connect as buildConnector.BuildOptions;
  return undefined;
}

export class NtlmDispatcher extends Dispatcher {
  readonly #tokens: NtlmTokens;
  readonly #max: number;
  readonly #firstScheme: HttpAuthScheme;
  readonly #connector: buildConnector.connector;
  readonly #keepAlive: number;
  readonly #origins = new Map<string, Origin>();
  readonly #stats: NtlmStats = { connections: 0, handshakes: 0, requests: 0, resends: 0 };
  #closed = false;

  constructor(options: NtlmDispatcherOptions) {
    super();
    this.#tokens = options.tokens;
    this.#max = Math.max(1, options.maxConnections ?? 4);
    this.#firstScheme = options.scheme ?? 'NTLM';
    const c = options.connect;
    this.#connector = typeof c === 'function' ? c : buildConnector({ ...c });
    this.#keepAlive = options.keepAliveTimeoutMs ?? 60_000;
  }

  stats(): NtlmStats {
    return { ...this.#stats };
  }

  override dispatch(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    if (this.#closed) {
      queueMicrotask(() => handler.onError?.(Object.assign(new Error('The NTLM dispatcher is closed'), { code: 'UND_ERR_CLOSED' })));
      return false;
    }
    if (typeof handler.onHeaders !== 'function' || typeof handler.onError !== 'function') {
      // undici's request/fetch and compose() pass handlers with the callback (onHeaders …) methods;
      // a controller-only handler would never hear back from the guard below.
      throw new TypeError('NtlmDispatcher needs a handler with onHeaders/onData/onComplete/onError');
    }
    this.#run(opts, handler).catch((err: unknown) => handler.onError?.(err instanceof Error ? err : new Error(String(err))));
    return true;
  }

  async #run(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): Promise<void> {
    if (!opts.origin) throw new TypeError('NTLM dispatcher needs an origin');
    const url = new URL(String(opts.origin));
    const origin = this.#origin(url.origin);
    const conn = await this.#acquire(origin, url.origin);
    try {
      this.#stats.requests++;
      const replayable = isReplayable(opts.body);
      // A warm connection first; a 401 or a reset there (binding lost, keep-alive timeout) gets
      // exactly one fresh handshake. The handshake attempt itself never repeats: its final 401
      // is the transport's to diagnose (a wrong password must not be retried, EWS-NOTES §14.3).
      if (isLive(conn)) {
        const first = await this.#send(conn, opts, handler, replayable);
        if (first.kind !== 'unauthorized' && first.kind !== 'reset') return;
        conn.authed = undefined;
        this.#stats.resends++;
      }
      await this.#handshakeAndSend(origin, conn, url, opts, handler);
    } finally {
      this.#release(origin, conn);
    }
  }

  #send(conn: Conn, opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler, intercept: boolean, authorization?: string): Promise<GuardOutcome> {
    return new Promise<GuardOutcome>((resolve) => {
      const headers = headerRecord(opts.headers);
      delete headers.authorization;
      if (authorization) headers.authorization = authorization;
      conn.client.dispatch({ ...opts, headers }, new ResponseGuard(handler, intercept, resolve));
    });
  }

  async #handshakeAndSend(origin: Origin, conn: Conn, url: URL, opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): Promise<void> {
    this.#stats.handshakes++;
    const leg = await this.#challenge(origin, conn, url, opts);
    if (leg.kind === 'open') {
      // The server answered the NEGOTIATE leg without asking for authentication: nothing to bind.
      conn.authed = conn.socket;
      await this.#send(conn, opts, handler, false);
      return;
    }
    const socket = conn.socket;
    if (!socket || socket !== leg.socket || socket.destroyed) {
      throw new EwsdavError('EWSDAV_ERR_UPSTREAM_NETWORK', `Exchange at ${url.host} closed the connection in the middle of the NTLM handshake.`, {
        host: url.host,
        hint: 'A proxy or load balancer in front of Exchange may not keep connections alive; NTLM needs them (or use exchange.auth "basic").',
      });
    }
    const token = this.#tokens.authenticate(leg.challenge, leg.negotiate, { host: url.hostname, socket });
    const outcome = await this.#send(conn, opts, handler, false, `${leg.scheme} ${token.toString('base64')}`);
    if (outcome.kind === 'done' && outcome.status !== 401) conn.authed = socket;
  }

  /** NEGOTIATE leg: a body-less request carrying the type 1 token; its 401 carries the CHALLENGE. */
  async #challenge(origin: Origin, conn: Conn, url: URL, opts: Dispatcher.DispatchOptions): Promise<
    { kind: 'challenge'; scheme: HttpAuthScheme; challenge: Buffer; negotiate: Buffer; socket: Socket | undefined } | { kind: 'open' }
  > {
    // Concurrent handshakes on other connections may switch origin.scheme meanwhile: each leg
    // goes by the scheme it was sent with.
    let scheme = origin.scheme;
    for (let round = 0; ; round++) {
      const negotiate = this.#tokens.negotiate();
      const headers = headerRecord(opts.headers);
      delete headers.authorization;
      delete headers['content-length'];
      delete headers['content-type'];
      headers.authorization = `${scheme} ${negotiate.toString('base64')}`;
      // curl sends the NEGOTIATE leg of a POST with Content-Length: 0 too: the body goes once, with AUTHENTICATE.
      const res = await conn.client.request({
        path: opts.path, method: opts.method, headers, body: null,
        headersTimeout: opts.headersTimeout, bodyTimeout: opts.bodyTimeout,
      });
      await res.body.dump({ limit: MAX_401_BODY }).catch(() => undefined);
      if (res.statusCode !== 401) return { kind: 'open' };
      const values = ([] as string[]).concat(res.headers['www-authenticate'] ?? []);
      const token = values.map((v) => new RegExp(`^\\s*${scheme}\\s+([A-Za-z0-9+/=]+)\\s*$`, 'i').exec(v)?.[1]).find(Boolean);
      if (token) return { kind: 'challenge', scheme, challenge: Buffer.from(token, 'base64'), negotiate, socket: conn.socket };
      const other: HttpAuthScheme = scheme === 'NTLM' ? 'Negotiate' : 'NTLM';
      const offered = values.map((v) => /^\s*([^\s,]+)/.exec(v)?.[1] ?? '').filter(Boolean);
      if (round === 0 && offered.some((s) => s.toLowerCase() === other.toLowerCase())) {
        // Many servers offer only Negotiate; raw NTLMSSP tokens under that name work with IIS/SSPI.
        origin.scheme = scheme = other;
        continue;
      }
      throw schemeError(url, offered, offersConnectionAuth(values));
    }
  }

  #origin(key: string): Origin {
    let o = this.#origins.get(key);
    if (!o) this.#origins.set(key, (o = { conns: [], waiters: [], scheme: this.#firstScheme }));
    return o;
  }

  #acquire(origin: Origin, key: string): Promise<Conn> {
    const idle = origin.conns.filter((c) => !c.busy);
    const pick = idle.find(isLive) ?? idle[0];
    if (pick) {
      pick.busy = true;
      return Promise.resolve(pick);
    }
    if (origin.conns.length < this.#max) {
      const conn = this.#newConn(key);
      origin.conns.push(conn);
      return Promise.resolve(conn);
    }
    return new Promise((resolve) => origin.waiters.push(resolve));
  }

  #release(origin: Origin, conn: Conn): void {
    const next = origin.waiters.shift();
    if (next) return next(conn); // stays busy: handed straight on
    conn.busy = false;
  }

  #newConn(key: string): Conn {
    this.#stats.connections++;
    const conn: Conn = { busy: true } as Conn;
    const connector = this.#connector;
    conn.client = new Client(key, {
      pipelining: 1,
      keepAliveTimeout: this.#keepAlive,
      keepAliveMaxTimeout: Math.max(this.#keepAlive, 600_000),
      connect: (options, callback) =>
        connector(options, (...args) => {
          // Remember which socket the client is on: a new one is unauthenticated.
          if (args[0] === null) conn.socket = args[1];
          callback(...args);
        }),
    });
    return conn;
  }

  /** Closes (or destroys) every client once; closing twice is a no-op. */
  #each(action: (c: Client) => Promise<void>): Promise<void> {
    const conns = [...this.#origins.values()].flatMap((o) => o.conns.splice(0));
    return Promise.all(conns.map((c) => action(c.client).catch(() => undefined))).then(() => undefined);
  }

  override close(): Promise<void>;
  override close(callback: () => void): void;
  override close(callback?: () => void): Promise<void> | void {
    this.#closed = true;
    const done = this.#each((c) => c.close());
    if (callback) void done.then(callback);
    else return done;
  }

  override destroy(): Promise<void>;
  override destroy(err: Error | null): Promise<void>;
  override destroy(callback: () => void): void;
  override destroy(err: Error | null, callback: () => void): void;
  override destroy(a?: Error | null | (() => void), b?: () => void): Promise<void> | void {
    this.#closed = true;
    const err = typeof a === 'function' ? null : (a ?? null);
    const callback = typeof a === 'function' ? a : b;
    const done = this.#each((c) => c.destroy(err));
    if (callback) void done.then(callback);
    else return done;
  }
}

function schemeError(url: URL, offered: string[], offersNtlm: boolean): EwsdavError {
  const list = offered.length > 0 ? offered.join(', ') : 'nothing';
  const details = { host: url.host, status: 401, authScheme: 'ntlm', offeredSchemes: offered };
  if (offersNtlm) {
    return new EwsdavError('EWSDAV_ERR_UPSTREAM_AUTH', `Exchange at ${url.host} refused the NTLM negotiation (HTTP 401; it offers ${list}).`, {
      ...details,
      hint: 'The server did not answer the NTLM NEGOTIATE message with a challenge. Check that NTLM is enabled on the EWS virtual directory (Windows Authentication providers).',
    });
  }
  const use = offered.some((s) => s.toLowerCase() === 'basic') ? ' Set exchange.auth to "basic".' : offered.some((s) => s.toLowerCase() === 'bearer') ? ' Set exchange.auth to "oauth" (or "oauth-app").' : '';
  return new EwsdavError('EWSDAV_ERR_UPSTREAM_AUTH', `Exchange at ${url.host} does not offer NTLM or Negotiate (HTTP 401; it offers ${list}), but exchange.auth is "ntlm".`, {
    ...details,
    hint: `The EWS virtual directory accepts ${list}.${use}`,
  });
}
