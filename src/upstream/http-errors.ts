// HTTP and network failure pieces both upstream transports share (EWS and Graph): host:port for
// messages, WWW-Authenticate schemes, Retry-After, and the classification of socket/DNS/TLS/timeout
// failures into EwsdavError. Each message names the service and the configuration key to check.

import { EwsdavError, type ErrorDetails } from '../errors.js';

/** Which upstream a message speaks of, and the setting that points at it. */
export interface UpstreamService {
  /** 'Exchange' or 'Microsoft Graph'. */
  name: string;
  /** The configuration key holding its URL: 'exchange.url', 'graph.url'. */
  setting: string;
}

export const EXCHANGE_SERVICE: UpstreamService = { name: 'Exchange', setting: 'exchange.url' };

export interface UpstreamErrorContext {
  /** The operation: an EWS operation name or a Graph request kind. */
  operation: string;
  mailbox: string;
  url: URL;
  /** Default: Exchange (EWS). */
  service?: UpstreamService;
}

export function hostPort(url: URL): string {
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return `${url.hostname}:${port}`;
}

/** The schemes of every WWW-Authenticate header ('Negotiate', 'NTLM', 'Basic', 'Bearer'). */
export function offeredSchemes(header: string | string[] | undefined): string[] {
  const values = header === undefined ? [] : Array.isArray(header) ? header : [header];
  const schemes: string[] = [];
  for (const value of values) {
    // One header may list several challenges separated by commas (RFC 9110 §11.6.1); a scheme is
    // the token that starts a part and is not itself a `name=value` parameter.
    for (const part of value.replace(/"[^"]*"/g, '""').split(',')) {
      const m = /^\s*([A-Za-z0-9!#$%&'*+.^_`|~-]+)(?=\s|$)/.exec(part);
      if (m && !schemes.includes(m[1]!)) schemes.push(m[1]!);
    }
  }
  return schemes;
}

/** Retry-After as seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  if (/^\s*\d+\s*$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

const NETWORK_CAUSES: Readonly<Record<string, string>> = {
  ENOTFOUND: 'the host name does not resolve (DNS)',
  EAI_AGAIN: 'DNS lookup failed temporarily',
  ECONNREFUSED: 'the connection was refused',
  ECONNRESET: 'the connection was reset',
  EPIPE: 'the connection was closed while sending',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
  UND_ERR_SOCKET: 'the connection was closed by the server',
  UND_ERR_CLOSED: 'the connection was closed',
  EPROTO: 'the TLS handshake failed (is this an HTTPS port?)',
};

const TIMEOUT_CODES: ReadonlySet<string> = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT', 'ABORT_ERR_TIMEOUT']);

function errorCodes(err: unknown): string[] {
  const codes: string[] = [];
  let e: unknown = err;
  for (let i = 0; i < 5 && e && typeof e === 'object'; i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
    if ((e as { name?: unknown }).name === 'TimeoutError') codes.push('ABORT_ERR_TIMEOUT');
    e = (e as { cause?: unknown }).cause;
  }
  return codes;
}

function isTlsCode(code: string): boolean {
  return /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED|HOSTNAME_MISMATCH)/.test(code);
}

/** A failure below HTTP: timeout, DNS, refused, reset, TLS. */
export function networkError(ctx: UpstreamErrorContext, err: unknown): EwsdavError {
  const { name, setting } = ctx.service ?? EXCHANGE_SERVICE;
  const codes = errorCodes(err);
  const details: ErrorDetails = { host: hostPort(ctx.url), operation: ctx.operation, mailbox: ctx.mailbox };
  const timeout = codes.find((c) => TIMEOUT_CODES.has(c));
  if (timeout) {
    return new EwsdavError('EWSDAV_ERR_UPSTREAM_TIMEOUT', `${name} at ${hostPort(ctx.url)} did not answer in time (${timeout === 'ABORT_ERR_TIMEOUT' ? 'request timeout' : timeout}).`, {
      ...details,
      cause: timeout,
    }, { cause: err });
  }
  // The innermost known code says most (undici wraps the socket error).
  const code = [...codes].reverse().find((c) => c in NETWORK_CAUSES || isTlsCode(c)) ?? codes[0] ?? 'unknown';
  const reason = NETWORK_CAUSES[code] ?? (isTlsCode(code) ? `the TLS certificate or handshake was rejected (${code})` : `network error`);
  const hint =
    code === 'ENOTFOUND' || code === 'EAI_AGAIN'
      ? `Check the host name in ${setting} (${ctx.url.hostname}) and the bridge's DNS.`
      : isTlsCode(code)
        ? 'Check the server certificate (chain, host name, expiry) or trust the internal CA via NODE_EXTRA_CA_CERTS.'
        : code === 'ECONNREFUSED'
          ? `Nothing accepts connections at ${hostPort(ctx.url)}: check ${setting} and firewalls.`
          : undefined;
  return new EwsdavError('EWSDAV_ERR_UPSTREAM_NETWORK', `Could not talk to ${name} at ${hostPort(ctx.url)}: ${reason} (${code}).`, { ...details, cause: code, hint }, { cause: err });
}
