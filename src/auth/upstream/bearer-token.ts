// The held Bearer token both OAuth providers share (delegated `oauth`, app-only `oauth-app`):
// kept in memory, renewed before it expires, one renewal in flight however many callers wait
// (single flight, so twenty syncs on an expired token cost the authority one request), and the
// generation each request was sent with, so a 401 on a token another call already replaced is
// retried without asking the authority again (OAUTH-NOTES §7 "Bridge rule").

import type { AuthRequestContext } from './types.js';

export interface IssuedToken {
  accessToken: string;
  expiresOn?: Date | null;
}

interface HeldToken {
  header: string;
  expiresOn: number;
  generation: number;
}

export interface BearerTokenOptions {
  /** Asks the authority (through msal); `renew` means a cached token must not be returned. */
  issue(renew: boolean): Promise<IssuedToken>;
  /** Renew when the held token expires within this, default 300 s (msal's own renewal offset). */
  refreshMarginMs?: number;
  /** Ask for a fresh token (not msal's cached one) when the held one is about to expire. */
  renewExpiring?: boolean;
  now?: () => number;
}

export class BearerToken {
  readonly #o: BearerTokenOptions;
  readonly #now: () => number;
  readonly #margin: number;
  #held: HeldToken | undefined;
  #inflight: Promise<HeldToken> | undefined;
  #generation = 0;
  /** Which generation each request context carried (the transport reuses the ctx after a 401). */
  readonly #used = new WeakMap<AuthRequestContext, number>();

  constructor(options: BearerTokenOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#margin = options.refreshMarginMs ?? 300_000;
  }

  /** The `Authorization` value for a request, renewing first when the held token is (nearly) expired. */
  async header(ctx?: AuthRequestContext): Promise<string> {
    const held = await this.current();
    if (ctx) this.#used.set(ctx, held.generation);
    return held.header;
  }

  /** When the held (or a freshly issued) token expires. */
  async expiresOn(): Promise<Date> {
    return new Date((await this.current()).expiresOn);
  }

  /** True when another call already replaced the token `ctx` was sent with. */
  replacedSince(ctx: AuthRequestContext): boolean {
    const used = this.#used.get(ctx);
    return this.#held !== undefined && used !== undefined && this.#held.generation > used;
  }

  /** After a 401: a new token, never msal's cached one. */
  async renew(): Promise<void> {
    await this.#token(true);
  }

  forget(): void {
    this.#held = undefined;
  }

  private async current(): Promise<HeldToken> {
    const held = this.#held;
    if (held && held.expiresOn - this.#now() > this.#margin) return held;
    return this.#token(this.#o.renewExpiring === true && held !== undefined);
  }

  #token(renew: boolean): Promise<HeldToken> {
    if (this.#inflight) return this.#inflight;
    const flight = this.#issue(renew).finally(() => {
      if (this.#inflight === flight) this.#inflight = undefined;
    });
    this.#inflight = flight;
    return flight;
  }

  async #issue(renew: boolean): Promise<HeldToken> {
    try {
      const issued = await this.#o.issue(renew);
      const held = {
        header: `Bearer ${issued.accessToken}`,
        // Without an expiry (never seen from Entra), hold it briefly rather than forever.
        expiresOn: issued.expiresOn?.getTime() ?? this.#now() + 2 * this.#margin,
        generation: ++this.#generation,
      };
      this.#held = held;
      return held;
    } catch (error) {
      this.#held = undefined;
      throw error;
    }
  }
}
