// Whether and when to retry a failed upstream call (EWS or Graph): a policy object apart from the
// transports (exchangelib's FailFast / FaultTolerance in protocol.py, undici's retry handler). The
// default retries only what may succeed later: throttling waits at least what the server asked for
// (EWS BackOffMilliseconds or Retry-After, EWS-NOTES §14.2–14.3; Graph Retry-After, OAUTH-NOTES
// §11); transient failures back off exponentially with jitter. Auth, policy, not-found and
// permanent errors are never retried — above all 401, which would lock the AD account (§14.3).

import type { EwsdavError } from '../errors.js';

export interface RetryPolicy {
  /**
   * Milliseconds to wait before attempt `attempt + 1`, or undefined to give up and throw.
   * `attempt` is the number of attempts made so far (1 after the first failure).
   */
  next(error: EwsdavError, attempt: number): number | undefined;
}

export interface DefaultRetryOptions {
  /** Total attempts including the first. */
  maxAttempts?: number;
  /** First transient back-off; doubles per attempt. */
  baseDelayMs?: number;
  /** Cap of the transient back-off. */
  maxDelayMs?: number;
  /**
   * Longest throttling wait done inside a call. A longer BackOffMilliseconds is handed to the
   * sync engine (the error carries retryAfterMs) so it can pause the whole mailbox instead of
   * holding a request slot.
   */
  maxThrottleWaitMs?: number;
  /** Source of jitter in [0, 1); injectable for tests. */
  random?: () => number;
}

export function defaultRetryPolicy(options: DefaultRetryOptions = {}): RetryPolicy {
  const maxAttempts = options.maxAttempts ?? 4;
  const base = options.baseDelayMs ?? 500;
  const cap = options.maxDelayMs ?? 30_000;
  const maxThrottle = options.maxThrottleWaitMs ?? 60_000;
  const random = options.random ?? Math.random;
  return {
    next(error, attempt) {
      if (attempt >= maxAttempts) return undefined;
      const exponential = Math.min(cap, base * 2 ** (attempt - 1));
      if (error.category === 'throttled') {
        const asked = error.retryAfterMs;
        if (asked !== undefined && asked > maxThrottle) return undefined;
        // At least what Exchange asked for; a little jitter on top so mailboxes do not return in step.
        const floor = asked ?? exponential;
        return Math.ceil(floor + floor * 0.1 * random());
      }
      if (error.category === 'transient') {
        // A 503 may say when to come back (Retry-After); honour it like a throttle.
        const asked = error.retryAfterMs;
        if (asked !== undefined) return asked > maxThrottle ? undefined : Math.ceil(Math.max(asked, exponential / 2) * (1 + 0.1 * random()));
        // "Equal jitter": half fixed, half random, never above the cap.
        return Math.ceil(exponential / 2 + (exponential / 2) * random());
      }
      return undefined;
    },
  };
}

/** Never retry (checks, tests of single requests). */
export const failFast: RetryPolicy = { next: () => undefined };
