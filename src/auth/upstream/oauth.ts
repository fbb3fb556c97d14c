// Delegated OAuth for Exchange Online (DESIGN.md "Upstream sign-in", OAUTH-NOTES §7, §9): a Bearer
// token per request from the user's msal cache. The token is held in memory and renewed before it
// expires (msal refreshes within 300 s of expiry, §9 "Calls"); concurrent requests share one renewal
// (single flight), so twenty syncs hitting an expired token cost the authority one request. A 401
// triggers exactly one forced refresh (§7 "Bridge rule"); a dead grant marks the user "needs
// re-link" in the store, after which no token request is made until the account is linked again.

import { inspect } from 'node:util';
import type { AccountInfo, AuthenticationResult } from '@azure/msal-node';
import { EwsdavError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { OAuthGrantRows } from '../../store/sqlite/oauth-rows.js';
import { needsRelink, oauthError } from './oauth-errors.js';
import type { AuthRequestContext, UpstreamAuth, UpstreamAuthorization } from './types.js';

/** The part of an msal client application a provider needs (public and confidential share it). */
export interface SilentTokenApp {
  acquireTokenSilent(request: { account: AccountInfo; scopes: string[]; forceRefresh?: boolean }): Promise<AuthenticationResult>;
  getTokenCache(): { getAccountByHomeId(homeAccountId: string): Promise<AccountInfo | null> };
}

export interface OAuthAuthOptions {
  /** The bridge user (mailbox address) whose grant this is. */
  user: string;
  app: SilentTokenApp;
  grants: OAuthGrantRows;
  scopes: readonly string[];
  /** Renew when the held token expires within this, default 300 s (msal's own renewal offset). */
  refreshMarginMs?: number;
  now?: () => number;
  logger?: Logger;
}

interface HeldToken {
  header: string;
  expiresOn: number;
  generation: number;
}

export class OAuthAuth implements UpstreamAuth {
  readonly scheme = 'oauth' as const;
  /** Token requests made to msal (silent or forced), for tests and metrics. */
  acquisitions = 0;
  readonly #o: OAuthAuthOptions;
  readonly #now: () => number;
  readonly #margin: number;
  #held: HeldToken | undefined;
  #inflight: Promise<HeldToken> | undefined;
  #generation = 0;
  /** Which token generation each request context was authorized with (the transport reuses the ctx on a 401). */
  readonly #used = new WeakMap<AuthRequestContext, number>();

  constructor(options: OAuthAuthOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#margin = options.refreshMarginMs ?? 300_000;
  }

  describe(): string {
    return `oauth:${this.#o.user}`;
  }

  async authorize(ctx: AuthRequestContext): Promise<UpstreamAuthorization> {
    const held = this.#held && this.#held.expiresOn - this.#now() > this.#margin ? this.#held : await this.#token(false);
    this.#used.set(ctx, held.generation);
    // X-AnchorMailbox is added by the transport for every call (OAUTH-NOTES §5, EWS-NOTES §2.1).
    return { headers: { authorization: held.header } };
  }

  async onUnauthorized(ctx: AuthRequestContext): Promise<'retry' | 'fail'> {
    const usedGeneration = this.#used.get(ctx);
    // Another request already replaced the token this one was sent with: just retry with the new one.
    if (this.#held && usedGeneration !== undefined && this.#held.generation > usedGeneration) return 'retry';
    this.#o.logger?.info({ user: this.#o.user }, 'EWS refused the access token; refreshing it once');
    await this.#token(true);
    return 'retry';
  }

  /** Single flight: every caller waiting for a token shares one msal call. */
  #token(force: boolean): Promise<HeldToken> {
    if (this.#inflight) return this.#inflight;
    const flight = this.#acquire(force).finally(() => {
      if (this.#inflight === flight) this.#inflight = undefined;
    });
    this.#inflight = flight;
    return flight;
  }

  async #acquire(force: boolean): Promise<HeldToken> {
    const { user, grants } = this.#o;
    const grant = grants.get(user);
    if (!grant) {
      throw new EwsdavError('EWSDAV_ERR_UPSTREAM_AUTH', `${user} has no linked Microsoft 365 account.`, { hint: `Link it: ewsdav link ${user}`, relink: true });
    }
    if (grant.state === 'needs-relink') {
      // No request to the authority: the grant is known dead until the user links again.
      this.#held = undefined;
      throw new EwsdavError('EWSDAV_ERR_UPSTREAM_AUTH', `The Microsoft 365 grant of ${user} needs a re-link: ${grant.reason ?? 'refused by Microsoft'}.`, {
        hint: `Re-link the account: ewsdav link ${user} (or the account page).`, relink: true,
      });
    }
    this.acquisitions += 1;
    try {
      const account = await this.#o.app.getTokenCache().getAccountByHomeId(grant.homeAccountId);
      if (!account) throw new EwsdavError('EWSDAV_ERR_UPSTREAM_AUTH', `The stored grant of ${user} holds no account.`, { hint: `Re-link: ewsdav link ${user}`, relink: true });
      const result = await this.#o.app.acquireTokenSilent({ account, scopes: [...this.#o.scopes], forceRefresh: force });
      const held = {
        header: `Bearer ${result.accessToken}`,
        // Without an expiry (never seen from Entra), hold it briefly rather than forever.
        expiresOn: result.expiresOn?.getTime() ?? this.#now() + 2 * this.#margin,
        generation: ++this.#generation,
      };
      this.#held = held;
      return held;
    } catch (err) {
      const mapped = oauthError(err, force ? 'the forced token refresh' : 'the token refresh');
      this.#held = undefined;
      if (needsRelink(mapped)) {
        grants.markNeedsRelink(user, `${mapped.details.upstreamCode ?? mapped.code}: ${mapped.hint ?? mapped.message}`);
        this.#o.logger?.warn({ user, upstreamCode: mapped.details.upstreamCode }, 'Microsoft 365 grant refused: the account needs a re-link');
      }
      throw mapped;
    }
  }

  toJSON(): { scheme: 'oauth'; user: string } {
    return { scheme: 'oauth', user: this.#o.user };
  }

  [inspect.custom](): string {
    return `OAuthAuth { user: ${JSON.stringify(this.#o.user)}, token: [redacted] }`;
  }
}
