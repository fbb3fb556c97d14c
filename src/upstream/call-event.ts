// What the EWS and Graph transports tell an observer about each attempt (one HTTP exchange with
// the upstream). A plain callback, so the transports know nothing of metrics libraries;
// src/server feeds Prometheus from it.

import type { Logger } from 'pino';
import type { ErrorCategory } from '../errors.js';

/** One attempt of an upstream call, as reported to `observe`. */
export interface UpstreamCallEvent {
  /** The operation: an EWS operation name (`SyncFolderItems`) or a Graph one (`graph.delta`); a fixed set, safe as a metric label. */
  operation: string;
  /** `ok`, the error category, or `aborted` when the caller cancelled (shutdown). */
  result: ErrorCategory | 'ok' | 'aborted';
  /** From sending the request to the parsed answer; time queued for a per-mailbox slot is not included. */
  durationMs: number;
  mailbox: string;
  attempt: number;
  /** Set when the retry policy schedules another attempt after this one. */
  retryInMs?: number;
}

export type CallObserver = (event: UpstreamCallEvent) => void;

/** Reports an event; an observer that throws must not turn a good call into a failed one. */
export function notifyObserver(observe: CallObserver | undefined, event: UpstreamCallEvent, logger: Logger | undefined): void {
  if (!observe) return;
  try {
    observe(event);
  } catch (err) {
    logger?.error({ err }, 'upstream call observer failed');
  }
}

export function elapsedMs(started: number): number {
  return Math.round(performance.now() - started);
}
