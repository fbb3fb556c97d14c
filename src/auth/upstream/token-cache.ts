// The msal token cache of one linked user, persisted encrypted in the store (OAUTH-NOTES §9
// "Cache"). msal calls beforeCacheAccess before every token operation and afterCacheAccess after
// it; saving whenever the cache changed keeps the rotated refresh token (§2.3: every refresh
// returns a new one and the client must replace the old). Reading the row before each access
// also picks up a re-link done by another process (`ewsdav link` while the server runs).

import type { ICachePlugin, TokenCacheContext } from '@azure/msal-node';
import type { OAuthGrantRows } from '../../store/sqlite/oauth-rows.js';
import type { SecretBox } from './crypto-box.js';

export class StoredTokenCache implements ICachePlugin {
  /** Updates written (tests count them; never the content). */
  saves = 0;

  constructor(
    private readonly user: string,
    private readonly grants: OAuthGrantRows,
    private readonly box: SecretBox,
  ) {}

  async beforeCacheAccess(ctx: TokenCacheContext): Promise<void> {
    const row = this.grants.get(this.user);
    // deserialize() replaces the in-memory cache (§9), so one msal instance per user keeps users apart.
    ctx.tokenCache.deserialize(row ? this.box.open(row.cache, this.user) : '{}');
  }

  async afterCacheAccess(ctx: TokenCacheContext): Promise<void> {
    if (!ctx.cacheHasChanged) return;
    const serialized = ctx.tokenCache.serialize();
    this.grants.saveCache(this.user, this.box.seal(serialized, this.user), accessTokenExpiry(serialized));
    this.saves += 1;
  }
}

/** Latest access-token expiry in a serialized msal cache (epoch ms), for display only. */
export function accessTokenExpiry(serialized: string): number | undefined {
  try {
    const cache = JSON.parse(serialized) as { AccessToken?: Record<string, { expires_on?: string }> };
    const times = Object.values(cache.AccessToken ?? {}).map((t) => Number(t.expires_on) * 1000).filter((n) => Number.isFinite(n));
    return times.length ? Math.max(...times) : undefined;
  } catch {
    return undefined;
  }
}
