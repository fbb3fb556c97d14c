// In-memory state of one synced account: its source, gate, calendars with their timers and
// in-flight passes, and what /readyz reports. The durable part lives in the store.

import type { Logger } from 'pino';
import type { ErrorCategory } from '../../errors.js';
import type { CalendarSource } from '../types.js';
import type { CalendarSyncInfo } from '../sync-target.js';
import type { TimerHandle } from './clock.js';
import type { CalendarFilter } from './filter.js';
import type { BlockReason, MailboxGate } from './gate.js';
import type { PassStats } from './calendar-sync.js';
import type { PauseState } from './observer.js';

export interface ErrorInfo {
  category: ErrorCategory | 'internal' | 'gate';
  message: string;
}

export interface CalendarReport {
  calendarId: string;
  outcome: 'ok' | 'skipped' | 'error';
  skipped?: 'needs-credentials' | 'forbidden' | BlockReason | 'stopped';
  error?: ErrorInfo;
  stats?: PassStats;
  /** The upstream rejected the stored state and a full pass ran. */
  resynced?: boolean;
}

export interface SyncReport {
  user: string;
  list?: { added: string[]; removed: string[] };
  calendars: CalendarReport[];
}

export interface CalendarStatus {
  id: string;
  displayName: string;
  lastSync?: number;
  syncing: boolean;
  error?: ErrorInfo;
}

export interface AccountStatus {
  user: string;
  mailbox: string;
  state: 'ok' | 'syncing' | 'never-synced' | 'error' | 'throttled' | 'backoff' | 'needs-credentials';
  lastSuccess?: number;
  lastAttempt?: number;
  error?: ErrorInfo;
  /** When the mailbox gate opens again (throttled or backing off). */
  retryAt?: number;
  calendars: CalendarStatus[];
}

export interface CalendarRuntime {
  id: string;
  displayName: string;
  lastSync?: number;
  failures: number;
  lastError?: ErrorInfo;
  timer?: TimerHandle;
  inflight?: Promise<CalendarReport>;
}

export class AccountRuntime {
  readonly calendars = new Map<string, CalendarRuntime>();
  readonly abort = new AbortController();
  stopped: { category: 'auth'; message: string } | undefined;
  /** Consecutive mailbox-wide transient failures (drives the backoff). */
  failures = 0;
  syncing = 0;
  lastSuccess?: number;
  lastAttempt?: number;
  lastError?: ErrorInfo;
  listTimer?: TimerHandle;
  listInflight?: Promise<{ added: string[]; removed: string[] } | undefined>;
  /** The last pause reported to the observer (engine.reportPause), so one closure counts once. */
  lastPause?: PauseState;

  constructor(
    readonly user: string,
    readonly source: CalendarSource,
    readonly matches: (names: readonly string[]) => boolean,
    readonly filter: CalendarFilter,
    readonly gate: MailboxGate,
    readonly logger: Logger,
  ) {}

  addCalendar(info: CalendarSyncInfo): CalendarRuntime {
    const cal: CalendarRuntime = { id: info.id, displayName: info.displayName, failures: 0 };
    if (info.lastSync !== undefined) cal.lastSync = info.lastSync;
    this.calendars.set(info.id, cal);
    return cal;
  }

  dropCalendar(id: string): void {
    this.calendars.get(id)?.timer?.cancel();
    this.calendars.delete(id);
  }

  cancelTimers(): void {
    this.listTimer?.cancel();
    for (const cal of this.calendars.values()) {
      cal.timer?.cancel();
      cal.timer = undefined;
    }
  }

  /** Resolves when no pass or list refresh of this account is running. */
  async settle(): Promise<void> {
    await Promise.allSettled([this.listInflight, ...[...this.calendars.values()].map((c) => c.inflight)]);
  }

  status(now: number): AccountStatus {
    const closed = this.gate.closed();
    let state: AccountStatus['state'];
    if (this.stopped) state = 'needs-credentials';
    else if (closed) state = closed.reason;
    else if (this.lastError) state = 'error';
    else if (this.syncing > 0) state = 'syncing';
    else state = this.lastSuccess === undefined ? 'never-synced' : 'ok';
    const s: AccountStatus = {
      user: this.user,
      mailbox: this.source.mailbox,
      state,
      calendars: [...this.calendars.values()].map((c) => {
        const cs: CalendarStatus = { id: c.id, displayName: c.displayName, syncing: c.inflight !== undefined };
        if (c.lastSync !== undefined) cs.lastSync = c.lastSync;
        if (c.lastError) cs.error = c.lastError;
        return cs;
      }),
    };
    if (this.lastSuccess !== undefined) s.lastSuccess = this.lastSuccess;
    if (this.lastAttempt !== undefined) s.lastAttempt = this.lastAttempt;
    if (this.lastError) s.error = this.lastError;
    if (closed && closed.until > now) s.retryAt = closed.until;
    return s;
  }
}
