// What the sync engine tells an observer (metrics, in src/server): pass results and the moments
// it pauses a mailbox. Plain callbacks with bounded value sets, so the store knows nothing of
// Prometheus and a label built from these fields cannot grow with the number of users.

import type { ErrorInfo } from './account.js';
import type { FailureAction } from './policy.js';

/** `ok`, `skipped` (gate closed, stopped for credentials, shutting down) or the failure category. */
export type PassResult = 'ok' | 'skipped' | ErrorInfo['category'];

export interface PassEvent {
  user: string;
  calendarId: string;
  result: PassResult;
  durationMs: number;
  /** The upstream rejected the stored sync state and the pass started from scratch. */
  resynced: boolean;
}

/**
 * Why the engine stopped sending requests for a mailbox: Exchange throttled it, transient
 * failures (network, 5xx) back it off, EWS is forbidden for it, or its credentials were rejected.
 */
export type PauseReason = 'throttled' | 'backoff' | 'forbidden' | 'needs-credentials';

export interface PauseEvent {
  user: string;
  reason: PauseReason;
  /** How long the gate stays closed; undefined for a stop that waits for new credentials. */
  delayMs?: number;
}

export interface SyncObserver {
  pass?(event: PassEvent): void;
  pause?(event: PauseEvent): void;
}

/** Failure actions that pause a mailbox, and the reason reported for each. */
export const PAUSES: Readonly<Partial<Record<FailureAction['kind'], PauseReason>>> = {
  throttled: 'throttled',
  'mailbox-backoff': 'backoff',
  forbidden: 'forbidden',
  'stop-auth': 'needs-credentials',
};

export interface PauseState {
  reason: PauseReason;
  until?: number;
}

/**
 * One event per pause, not per failed request: the calendars of a mailbox fail together when
 * Exchange throttles it, and each would otherwise report the same closure again. A failure of
 * the same kind while the reported pause lasts only extends it.
 */
export function nextPause(last: PauseState | undefined, reason: PauseReason, until: number | undefined, now: number): { state: PauseState; event?: Omit<PauseEvent, 'user'> } {
  if (reason !== 'needs-credentials' && last?.reason === reason && last.until !== undefined && last.until > now) {
    return { state: { reason, until: Math.max(last.until, until ?? 0) } };
  }
  const state: PauseState = until === undefined ? { reason } : { reason, until };
  return { state, event: until === undefined ? { reason } : { reason, delayMs: until - now } };
}
