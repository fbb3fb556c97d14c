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
import { BearerToken, type IssuedToken } from './bearer-token.js';

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

export class OAuthAuth implements UpstreamAuth {
  readonly scheme = 'oauth' as const;
  /** Token requests made to msal (silent or forced), for tests and metrics. */
  acquisitions = 0;
  readonly #o: OAuthAuthOptions;
  readonly #token: BearerToken;

  constructor(options: OAuthAuthOptions) {
    this.#o = options;
    this.#token = new BearerToken({
      issue: (force) => this.#acquire(force),
      ...(options.refreshMarginMs !== undefined ? { refreshMarginMs: options.refreshMarginMs } : {}),
      ...(options.now ? { now: options.now } : {}),
    });
  }

  describe(): string {
    return `oauth:${this.#o.user}`;
  }

  async authorize(ctx: AuthRequestContext): Promise<UpstreamAuthorization> {
    // X-AnchorMailbox is added by the transport for every call (OAUTH-NOTES §5, EWS-NOTES §2.1).
    return { headers: { authorization: await this.#token.header(ctx) } };
  }

  async onUnauthorized(ctx: AuthRequestContext): Promise<'retry' | 'fail'> {
    // Another request already replaced the token this one was sent with: just retry with the new one.
    if (this.#token.replacedSince(ctx)) return 'retry';
    this.#o.logger?.info({ user: this.#o.user }, 'EWS refused the access token; refreshing it once');
    await this.#token.renew();
    return 'retry';
  }

  async #acquire(force: boolean): Promise<IssuedToken> {
    const { user, grants } = this.#o;
    const grant = grants.get(user);
    if (!grant) {
      throw new EwsdavError('EWSDAV_ERR_UPSTREAM_AUTH', `${user} has no linked Microsoft 365 account.`, { hint: `Link it: ewsdav link ${user}`, relink: true });
    }
    if (grant.state === 'needs-relink') {
      // No request to the authority: the grant is known dead until the user links again.
      throw new EwsdavError('EWSDAV_ERR_UPSTREAM_AUTH', `The Microsoft 365 grant of ${user} needs a re-link: ${grant.reason ?? 'refused by Microsoft'}.`, {
        hint: `Re-link the account: ewsdav link ${user} (or the account page).`, relink: true,
      });
    }
    this.acquisitions += 1;
    try {
      const account = await this.#o.app.getTokenCache().getAccountByHomeId(grant.homeAccountId);
      if (!account) throw new EwsdavError('EWSDAV_ERR_UPSTREAM_AUTH', `The stored grant of ${user} holds no account.`, { hint: `Re-link: ewsdav link ${user}`, relink: true });
      return await this.#o.app.acquireTokenSilent({ account, scopes: [...this.#o.scopes], forceRefresh: force });
    } catch (err) {
      const mapped = oauthError(err, force ? 'the forced token refresh' : 'the token refresh');
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
