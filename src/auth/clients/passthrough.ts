// Pass-through login (DESIGN.md, login.mode "passthrough"): a client's Basic credentials are the
// Exchange credentials. The first request is verified against Exchange with one cheap call; the
// password then lives in memory only (it drives that user's background sync), and a salted
// verifier is persisted so that after a restart or during an Exchange outage a returning client
// is let in and served from the store.

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { EwsdavError } from '../../errors.js';
import { checkVerifier, createVerifier } from './verifier.js';
import type { FailureLimiter } from './rate-limit.js';
import type { ClientLogin, LoginFailureReason, LoginResult } from './types.js';

export interface VerifierStore {
  getVerifier(user: string): Promise<{ verifier: string; updatedAt: number } | undefined>;
  setVerifier(user: string, verifier: string): Promise<void>;
  deleteVerifier(user: string): Promise<void>;
}

export interface PassthroughOptions {
  /** One authenticated upstream call; throws EwsdavError (category 'auth' for a wrong password). */
  verifyUpstream(user: string, password: string): Promise<void>;
  verifiers: VerifierStore;
  /**
   * Hands the verified password to the sync engine (memory only). The login waits for it, so a
   * first login can wait (bounded) for the mailbox's calendar list before the client's first
   * PROPFIND is answered.
   */
  onVerified(user: string, password: string): void | Promise<void>;
  limiter: FailureLimiter;
  /** How long a verified password is accepted from memory without asking Exchange again. */
  memoryTtlMs?: number;
  /** How old a persisted verifier may be and still let a client in while Exchange is unreachable. */
  verifierTtlMs: number;
  /** Which usernames belong here at all (e.g. the configured domain); undefined = any. */
  acceptsUser?: (user: string) => boolean;
  now?: () => number;
}

interface MemoryEntry {
  digest: Buffer;
  expires: number;
}

export class PassthroughLogin implements ClientLogin {
  // A per-process key: memory digests are useless outside this process, and comparing them is cheap.
  private readonly key = randomBytes(32);
  private readonly memory = new Map<string, MemoryEntry>();
  private readonly inFlight = new Map<string, Promise<LoginResult>>();
  private readonly now: () => number;
  private readonly memoryTtlMs: number;

  constructor(private readonly options: PassthroughOptions) {
    this.now = options.now ?? Date.now;
    this.memoryTtlMs = options.memoryTtlMs ?? 15 * 60_000;
  }

  async authenticate(rawUser: string, password: string, remoteAddress: string): Promise<LoginResult> {
    const user = normalizeUser(rawUser);
    const limited = this.limitedFor(user, remoteAddress);
    if (limited) return limited;
    if (!user || !password || (this.options.acceptsUser && !this.options.acceptsUser(user))) {
      return this.fail(user, remoteAddress, 'unknown-user');
    }

    const digest = this.digest(user, password);
    const cached = this.memory.get(user);
    if (cached && cached.expires > this.now() && timingSafeEqual(cached.digest, digest)) return { ok: true, user };

    // Single flight: a client opening ten connections at once costs Exchange one call.
    const flightKey = `${user}\0${digest.toString('hex')}`;
    let flight = this.inFlight.get(flightKey);
    if (!flight) {
      flight = this.verify(user, password, digest).finally(() => this.inFlight.delete(flightKey));
      this.inFlight.set(flightKey, flight);
    }
    const result = await flight;
    if (!result.ok && result.status === 401) return this.fail(user, remoteAddress, result.reason);
    if (result.ok) this.options.limiter.reset(`user:${user}`);
    return result;
  }

  /** Forget a user's in-memory password (e.g. after Exchange rejected it during sync). */
  forget(user: string): void {
    this.memory.delete(normalizeUser(user));
  }

  private async verify(user: string, password: string, digest: Buffer): Promise<LoginResult> {
    try {
      await this.options.verifyUpstream(user, password);
    } catch (error) {
      if (error instanceof EwsdavError && error.category === 'auth') {
        this.memory.delete(user);
        // The password Exchange just refused may be the one the verifier holds: it must not let
        // anyone in during the next outage.
        await this.options.verifiers.deleteVerifier(user);
        return { ok: false, status: 401, reason: 'upstream-rejected' };
      }
      return this.verifyOffline(user, password, digest, error);
    }
    this.remember(user, digest, this.memoryTtlMs);
    await this.options.verifiers.setVerifier(user, await createVerifier(password));
    await this.options.onVerified(user, password);
    return { ok: true, user };
  }

  /** Exchange is unreachable or throttling: fall back to the persisted verifier. */
  private async verifyOffline(user: string, password: string, digest: Buffer, cause: unknown): Promise<LoginResult> {
    const stored = await this.options.verifiers.getVerifier(user);
    if (stored && this.now() - stored.updatedAt <= this.options.verifierTtlMs && (await checkVerifier(password, stored.verifier))) {
      // Shorter memory life: Exchange gets asked again soon after it is back.
      this.remember(user, digest, Math.min(this.memoryTtlMs, 60_000));
      await this.options.onVerified(user, password);
      return { ok: true, user, offline: true };
    }
    const retryAfterSeconds = cause instanceof EwsdavError && cause.retryAfterMs ? Math.ceil(cause.retryAfterMs / 1000) : 30;
    return { ok: false, status: 503, reason: 'upstream-unavailable', retryAfterSeconds };
  }

  private remember(user: string, digest: Buffer, ttlMs: number): void {
    this.memory.set(user, { digest, expires: this.now() + ttlMs });
  }

  private digest(user: string, password: string): Buffer {
    return createHmac('sha256', this.key).update(user).update('\0').update(password).digest();
  }

  private limitedFor(user: string, remoteAddress: string): LoginResult | undefined {
    const wait = Math.max(this.options.limiter.retryAfterMs(`addr:${remoteAddress}`), this.options.limiter.retryAfterMs(`user:${user}`));
    return wait > 0 ? { ok: false, status: 429, reason: 'rate-limited', retryAfterSeconds: Math.ceil(wait / 1000) } : undefined;
  }

  private fail(user: string, remoteAddress: string, reason: LoginFailureReason): LoginResult {
    this.options.limiter.recordFailure(`addr:${remoteAddress}`);
    if (user) this.options.limiter.recordFailure(`user:${user}`);
    return { ok: false, status: 401, reason };
  }
}

/** Mailbox addresses are case-insensitive; DOMAIN\user keeps its case-insensitive form too. */
export function normalizeUser(user: string): string {
  return user.trim().toLowerCase();
}
