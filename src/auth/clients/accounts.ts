// login.mode "accounts": the admin keeps each mailbox's Exchange secret in the configuration and
// clients log in with separate bridge credentials from it (accounts[].clientPassword).

import { createHash, timingSafeEqual } from 'node:crypto';
import type { FailureLimiter } from './rate-limit.js';
import { normalizeUser } from './passthrough.js';
import type { ClientLogin, LoginResult } from './types.js';

export interface ConfiguredClient {
  /** The login name (the account's username, compared case-insensitively). */
  user: string;
  clientPassword: string;
}

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

export class AccountsLogin implements ClientLogin {
  private readonly clients = new Map<string, Buffer>();

  constructor(clients: readonly ConfiguredClient[], private readonly limiter: FailureLimiter) {
    for (const c of clients) this.clients.set(normalizeUser(c.user), digest(c.clientPassword));
  }

  async authenticate(rawUser: string, password: string, remoteAddress: string): Promise<LoginResult> {
    const user = normalizeUser(rawUser);
    const wait = Math.max(this.limiter.retryAfterMs(`addr:${remoteAddress}`), this.limiter.retryAfterMs(`user:${user}`));
    if (wait > 0) return { ok: false, status: 429, reason: 'rate-limited', retryAfterSeconds: Math.ceil(wait / 1000) };
    const expected = this.clients.get(user);
    // Compare digests of equal length, and spend the same work for unknown users.
    const matches = timingSafeEqual(digest(password), expected ?? digest(`\0unknown\0${password}`)) && expected !== undefined;
    if (matches) {
      this.limiter.reset(`user:${user}`);
      return { ok: true, user };
    }
    this.limiter.recordFailure(`addr:${remoteAddress}`);
    this.limiter.recordFailure(`user:${user}`);
    return { ok: false, status: 401, reason: expected ? 'wrong-password' : 'unknown-user' };
  }
}
