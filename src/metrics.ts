// Prometheus metrics for the whole process. Layers receive this object (or nothing) instead of
// importing a global registry, so tests can build one per server and read it back.

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class BridgeMetrics {
  readonly registry = new Registry();

  readonly httpRequests = new Histogram({
    name: 'ewsdav_http_request_duration_seconds',
    help: 'HTTP requests served, by route, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  readonly upstreamCalls = new Histogram({
    name: 'ewsdav_upstream_call_duration_seconds',
    help: 'Calls to Exchange (EWS operation or Graph request), by operation and result category',
    labelNames: ['operation', 'result'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  readonly throttleEvents = new Counter({
    name: 'ewsdav_upstream_throttled_total',
    help: 'Times Exchange asked us to back off (ErrorServerBusy, 429, 503)',
    labelNames: ['mailbox_hash'] as const,
    registers: [this.registry],
  });

  readonly syncRuns = new Counter({
    name: 'ewsdav_sync_runs_total',
    help: 'Calendar sync passes, by result category',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  readonly syncLag = new Gauge({
    name: 'ewsdav_sync_lag_seconds',
    help: 'Seconds since the last successful sync, per calendar',
    labelNames: ['calendar'] as const,
    registers: [this.registry],
  });

  readonly loginFailures = new Counter({
    name: 'ewsdav_login_failures_total',
    help: 'Failed client logins, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'ewsdav_' });
  }
}
