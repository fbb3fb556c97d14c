// How the bridge signs in to Exchange (DESIGN.md "Upstream sign-in"). One interface for every
// scheme so the EWS operations never know which one is in use:
// - basic: a preemptive header per request (./basic.ts);
// - ntlm: the handshake authenticates a kept-alive connection, so the provider wraps the
//   transport's dispatcher (one undici Client per connection) and adds no header itself;
// - oauth: a bearer header; on a 401 the provider refreshes the token once (`onUnauthorized`);
// - oauth-app: a bearer header plus ExchangeImpersonation of the mailbox (EWS-NOTES §1.3).
// Providers never log credentials; `describe()` is what logs and errors may show.

import type { Dispatcher } from 'undici';

export type UpstreamAuthScheme = 'basic' | 'ntlm' | 'oauth' | 'oauth-app';

export interface AuthRequestContext {
  /** The EWS endpoint being called. */
  url: URL;
  /** The mailbox the call acts on (X-AnchorMailbox; impersonation target for app-only). */
  mailbox: string;
  /** 1 for the first try of a call, 2 after a refresh-and-retry. */
  attempt: number;
  signal?: AbortSignal;
}

export interface UpstreamAuthorization {
  /** Extra request headers (Authorization …). Never logged by the transport. */
  headers: Readonly<Record<string, string>>;
  /** App-only OAuth acts on a mailbox through the ExchangeImpersonation SOAP header (WSR/exchangeimpersonation). */
  impersonate?: { primarySmtpAddress: string };
}

export interface UnauthorizedInfo {
  /** Schemes from the 401's WWW-Authenticate headers. */
  offeredSchemes: readonly string[];
  /** Raw WWW-Authenticate values (an OAuth error description may be there). */
  wwwAuthenticate: readonly string[];
}

export interface UpstreamAuth {
  readonly scheme: UpstreamAuthScheme;
  /** Who signs in, for logs and messages: a user name or an app id. Never a secret. */
  describe(): string;
  /** Headers (and SOAP identity) for one request. Async so token providers can fetch or refresh. */
  authorize(ctx: AuthRequestContext): UpstreamAuthorization | Promise<UpstreamAuthorization>;
  /**
   * Called once per call after a 401. Return 'retry' only if a fresh credential may succeed (an
   * expired token that was just refreshed); the transport then retries exactly once. Absent or
   * 'fail': the 401 is final — password schemes must never retry (account lockout, EWS-NOTES §14.3).
   */
  onUnauthorized?(ctx: AuthRequestContext, info: UnauthorizedInfo): Promise<'retry' | 'fail'>;
  /**
   * Connection-bound schemes (NTLM/Negotiate) return a dispatcher that runs the handshake on each
   * new kept-alive connection and reuses it; the transport sends this provider's requests through
   * it. Called once per provider with the transport's own dispatcher (its connect options, e.g. a
   * test resolver, must be kept).
   */
  wrapDispatcher?(base: Dispatcher): Dispatcher;
  close?(): Promise<void>;
}
