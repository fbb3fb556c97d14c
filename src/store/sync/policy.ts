// What the engine does about a failure (EWS-NOTES §14, errors.ts categories) and how long it
// waits before the next attempt. Pure functions over the clock's time and an injected random.

import { EwsdavError, type ErrorCategory } from '../../errors.js';
import { GateClosedError } from './gate.js';

export interface PolicyConfig {
  intervalMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  forbiddenRetryMs: number;
}

export type FailureAction =
  /** Credentials rejected: stop the account until new credentials arrive. Never retried (lockout). */
  | { kind: 'stop-auth' }
  /** EWS blocked for the mailbox (403, licence, policy): report, probe again rarely. */
  | { kind: 'forbidden' }
  /** The gate was already closed or the upstream throttled: wait for the gate. */
  | { kind: 'throttled'; retryAfterMs?: number }
  /** Network, 5xx, timeouts: the whole mailbox backs off exponentially. */
  | { kind: 'mailbox-backoff' }
  /** A failure of this calendar only (permission on a folder, a bug): it backs off alone. */
  | { kind: 'calendar-backoff' }
  /** The folder is gone (ErrorSyncFolderNotFound): refresh the calendar list. */
  | { kind: 'folder-gone' }
  | { kind: 'aborted' };

export function classify(err: unknown, signal: AbortSignal): FailureAction {
  if (signal.aborted) return { kind: 'aborted' };
  if (err instanceof GateClosedError) return { kind: 'throttled' };
  if (!(err instanceof EwsdavError)) return { kind: 'calendar-backoff' };
  switch (err.category) {
    case 'auth':
      return { kind: 'stop-auth' };
    case 'forbidden':
      // ErrorAccessDenied concerns one folder; HTTP 403 concerns the whole mailbox.
      return err.code === 'EWSDAV_ERR_UPSTREAM_ACCESS_DENIED' ? { kind: 'calendar-backoff' } : { kind: 'forbidden' };
    case 'throttled':
      return err.retryAfterMs === undefined ? { kind: 'throttled' } : { kind: 'throttled', retryAfterMs: err.retryAfterMs };
    case 'transient':
      return { kind: 'mailbox-backoff' };
    case 'not-found':
      return { kind: 'folder-gone' };
    default:
      return { kind: 'calendar-backoff' };
  }
}

export function errorCategory(err: unknown): ErrorCategory | 'internal' | 'gate' {
  if (err instanceof GateClosedError) return 'gate';
  return err instanceof EwsdavError ? err.category : 'internal';
}

export function errorMessage(err: unknown): string {
  if (err instanceof EwsdavError) return err.describe();
  return err instanceof Error ? err.message : String(err);
}

/** Exponential backoff with "equal jitter": between half and all of min(cap, base·2^(n-1)). */
export function backoffDelay(config: PolicyConfig, failures: number, random: () => number): number {
  const exp = Math.min(config.backoffMaxMs, config.backoffBaseMs * 2 ** Math.max(0, Math.min(failures - 1, 30)));
  return Math.round(exp / 2 + (random() * exp) / 2);
}

/** The regular interval, ±10 % so calendars of many mailboxes do not sync in lockstep. */
export function intervalDelay(config: PolicyConfig, random: () => number): number {
  return Math.round(config.intervalMs * (0.9 + 0.2 * random()));
}
