// Prometheus metrics for the whole process. Layers receive this object (or nothing) instead of
// importing a global registry, so tests can build one per server and read it back. The lower
// layers never see prom-client: they report plain events (EwsCallEvent, SyncObserver, login
// failure reasons) and the adapters below turn them into samples.
//
// Labels come from closed sets only (EWS operation names, error categories, login failure
// reasons, account states) so the number of series does not grow with users. The one exception
// is `calendar` on ewsdav_sync_lag_seconds: the store's calendar id, a 16-character hash of the
// EWS FolderId that names neither user nor mailbox; there is one series per synced calendar, the
// same count the bridge already holds in memory, and a removed calendar's series disappears at
// the next scrape because the gauge is rebuilt from the engine's status each time.

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { EwsCallEvent } from './exchange/call.js';
import type { AccountStatus, SyncObserver } from './store/sync/engine.js';
import type { LoginFailureReason } from './auth/clients/types.js';

export class BridgeMetrics {
  readonly registry = new Registry();
  #syncStatus: (() => AccountStatus[]) | undefined;
  #now: () => number = Date.now;

  readonly httpRequests = new Histogram({
    name: 'ewsdav_http_request_duration_seconds',
    help: 'HTTP requests served, by route, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  readonly upstreamCalls = new Histogram({
    name: 'ewsdav_upstream_call_duration_seconds',
    help: 'Attempts of calls to Exchange (EWS operation), by operation and result category',
    labelNames: ['operation', 'result'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  readonly upstreamRetries = new Counter({
    name: 'ewsdav_upstream_retries_total',
    help: 'Failed attempts of calls to Exchange that the retry policy tried again, by operation and result category',
    labelNames: ['operation', 'result'] as const,
    registers: [this.registry],
  });

  readonly throttleEvents = new Counter({
    name: 'ewsdav_upstream_throttled_total',
    help: 'Answers from Exchange asking us to back off (ErrorServerBusy, 429, 503 with throttling), by operation',
    labelNames: ['operation'] as const,
    registers: [this.registry],
  });

  readonly syncRuns = new Counter({
    name: 'ewsdav_sync_runs_total',
    help: 'Calendar sync passes, by result: ok, skipped, or the failure category',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  readonly syncPauses = new Counter({
    name: 'ewsdav_sync_pauses_total',
    help: 'Times the sync engine paused a mailbox, by reason: throttled, backoff, forbidden, needs-credentials',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly syncLag = new Gauge({
    name: 'ewsdav_sync_lag_seconds',
    help: 'Seconds since the last complete sync, per calendar id (calendars never synced have no sample)',
    labelNames: ['calendar'] as const,
    registers: [this.registry],
    // Computed at scrape time: a gauge set after each pass would freeze while sync is stuck.
    collect: () => this.#collectLag(),
  });

  readonly syncAccounts = new Gauge({
    name: 'ewsdav_sync_accounts',
    help: 'Accounts known to the sync engine, by state (ok, syncing, never-synced, error, throttled, backoff, needs-credentials)',
    labelNames: ['state'] as const,
    registers: [this.registry],
    collect: () => this.#collectAccounts(),
  });

  readonly loginFailures = new Counter({
    name: 'ewsdav_login_failures_total',
    help: 'Failed client logins, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  constructor(options: { defaultMetrics?: boolean; now?: () => number } = {}) {
    if (options.now) this.#now = options.now;
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'ewsdav_' });
  }

  /** EwsTransport's `observe`. */
  readonly ewsCall = (event: EwsCallEvent): void => {
    const labels = { operation: event.operation, result: event.result };
    this.upstreamCalls.observe(labels, event.durationMs / 1000);
    if (event.retryInMs !== undefined) this.upstreamRetries.inc(labels);
    if (event.result === 'throttled') this.throttleEvents.inc({ operation: event.operation });
  };

  /** The sync engine's observer. */
  readonly syncObserver: SyncObserver = {
    pass: (event) => this.syncRuns.inc({ result: event.result }),
    pause: (event) => this.syncPauses.inc({ reason: event.reason }),
  };

  readonly loginFailure = (reason: LoginFailureReason): void => {
    this.loginFailures.inc({ reason });
  };

  /** Where the sync gauges read the engine's state at each scrape. */
  watchSync(status: () => AccountStatus[]): void {
    this.#syncStatus = status;
  }

  #collectLag(): void {
    this.syncLag.reset();
    const now = this.#now();
    for (const account of this.#syncStatus?.() ?? []) {
      for (const cal of account.calendars) {
        if (cal.lastSync !== undefined) this.syncLag.set({ calendar: cal.id }, Math.max(0, (now - cal.lastSync) / 1000));
      }
    }
  }

  #collectAccounts(): void {
    this.syncAccounts.reset();
    const states = new Map<string, number>();
    for (const account of this.#syncStatus?.() ?? []) states.set(account.state, (states.get(account.state) ?? 0) + 1);
    for (const [state, count] of states) this.syncAccounts.set({ state }, count);
  }
}
