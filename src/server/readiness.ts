// /readyz: the store answers and every account synced recently enough. Clients are still served
// from the store while an account fails (stale-while-error); readiness is what tells ops.

import type { SyncEngine } from '../store/sync/engine.js';
import type { SqliteStore } from '../store/sqlite/store.js';
import type { ReadinessReport } from './app.js';

export interface ReadinessOptions {
  /** How old an account's last successful sync may be and still count as ready. */
  maxLagMs: number;
  now?: () => number;
}

export function readiness(engine: SyncEngine, store: SqliteStore, options: ReadinessOptions): ReadinessReport {
  const now = (options.now ?? Date.now)();
  let storeOk = true;
  try {
    store.db.prepare('SELECT 1').get();
  } catch {
    storeOk = false;
  }
  const accounts = engine.status().map((a) => {
    const lagging = a.lastSuccess === undefined || now - a.lastSuccess > options.maxLagMs;
    return {
      user: a.user,
      state: a.state,
      ready: !lagging && a.state !== 'needs-credentials',
      ...(a.lastSuccess !== undefined ? { lastSuccess: new Date(a.lastSuccess).toISOString() } : {}),
      ...(a.error ? { errorCategory: a.error.category, error: a.error.message } : {}),
      ...(a.retryAt !== undefined ? { retryAt: new Date(a.retryAt).toISOString() } : {}),
    };
  });
  return { ready: storeOk && accounts.every((a) => a.ready), store: storeOk ? 'ok' : 'error', accounts };
}
