// The per-mailbox gate every upstream request passes: bounded concurrency (EWS-NOTES §14.4:
// ≤ ~4 calls per mailbox) with sync-state requests first, and a closed period after throttling
// (no request before BackOffMilliseconds has passed) or during a transient-failure backoff.

import { isEwsdavError } from '../../errors.js';
import type { Clock } from './clock.js';

/** Wait after a throttling answer that named no BackOffMilliseconds / Retry-After. */
const DEFAULT_THROTTLE_MS = 60_000;

export type BlockReason = 'throttled' | 'backoff';

export class GateClosedError extends Error {
  constructor(readonly until: number, readonly reason: BlockReason) {
    super(`mailbox gate closed (${reason}) until ${new Date(until).toISOString()}`);
    this.name = 'GateClosedError';
  }
}

interface Waiter {
  high: boolean;
  resolve: () => void;
}

export interface GateRunOptions {
  /** SyncFolderItems pages go first: they are the serial chain the GetItem batches hang on. */
  high?: boolean;
  /** An explicit syncNow may pass a transient backoff, never a throttle. */
  force?: boolean;
  /** Checked after the wait for a permit: an aborted pass sends nothing more. */
  signal?: AbortSignal;
}

export class MailboxGate {
  private active = 0;
  private readonly waiters: Waiter[] = [];
  private blockedUntil = 0;
  private reason: BlockReason | undefined;

  constructor(private readonly clock: Clock, readonly maxConcurrency: number) {}

  /** Closes the gate until `until` (epoch ms); never shortens an existing closure of the same kind. */
  block(until: number, reason: BlockReason): void {
    if (until <= this.blockedUntil && (this.reason === 'throttled' || reason === this.reason)) return;
    if (reason === 'backoff' && this.reason === 'throttled' && this.blockedUntil > this.clock.now()) {
      this.blockedUntil = Math.max(this.blockedUntil, until);
      return;
    }
    this.blockedUntil = until;
    this.reason = reason;
  }

  open(): void {
    this.blockedUntil = 0;
    this.reason = undefined;
  }

  /** When and why the gate is closed, or undefined when it is open (for `force`: backoff counts as open). */
  closed(force = false): { until: number; reason: BlockReason } | undefined {
    if (this.reason === undefined || this.clock.now() >= this.blockedUntil) return undefined;
    if (force && this.reason === 'backoff') return undefined;
    return { until: this.blockedUntil, reason: this.reason };
  }

  async run<T>(fn: () => Promise<T>, options: GateRunOptions = {}): Promise<T> {
    await this.acquire(options.high === true);
    try {
      // Checked after the wait: a request queued before a throttle answer must not go out.
      const c = this.closed(options.force);
      if (c) throw new GateClosedError(c.until, c.reason);
      options.signal?.throwIfAborted();
      return await fn();
    } catch (err) {
      // Closed here, at the first throttling answer, not when the pass unwinds: requests
      // already queued behind this one must find the gate shut.
      if (isEwsdavError(err) && err.category === 'throttled') {
        this.block(this.clock.now() + (err.retryAfterMs ?? DEFAULT_THROTTLE_MS), 'throttled');
      }
      throw err;
    } finally {
      this.release();
    }
  }

  private acquire(high: boolean): Promise<void> {
    if (this.active < this.maxConcurrency) {
      this.active += 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const waiter = { high, resolve };
      if (high) {
        const i = this.waiters.findIndex((w) => !w.high);
        this.waiters.splice(i === -1 ? this.waiters.length : i, 0, waiter);
      } else {
        this.waiters.push(waiter);
      }
    });
  }

  private release(): void {
    const next = this.waiters.shift();
    // The permit passes straight to the next waiter, so `active` stays the same.
    if (next) next.resolve();
    else this.active -= 1;
  }
}
