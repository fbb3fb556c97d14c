// The sync engine: the only code that calls an upstream. Per account one CalendarSource and one
// mailbox gate; per calendar a jittered timer and a single-flight pass, so Exchange sees one
// sync per calendar however many clients poll. Clients read the store and never wait on this.

import type { Logger } from 'pino';
import type { CalendarSource, RefreshSupport } from '../types.js';
import type { SyncTarget } from '../sync-target.js';
import { calendarIdFor } from '../ids.js';
import { systemClock, type Clock, type TimerHandle } from './clock.js';
import { compileFilter, type CalendarFilter } from './filter.js';
import { MailboxGate } from './gate.js';
import { runPass, type PassStats } from './calendar-sync.js';
import { icalRenderer, type Renderer, type RenderOptions } from './render.js';
import { backoffDelay, classify, errorCategory, errorMessage, intervalDelay, type PolicyConfig } from './policy.js';
import { AccountRuntime, type AccountStatus, type CalendarReport, type CalendarRuntime, type SyncReport } from './account.js';
import { isEwsdavError } from '../../errors.js';
import { nextPause, PAUSES, type PauseReason, type SyncObserver } from './observer.js';

export type { AccountStatus, CalendarReport, SyncReport } from './account.js';
export type { PassEvent, PauseEvent, PauseReason, SyncObserver } from './observer.js';

/** `sync` from the configuration (src/config) plus engine tunables with defaults. */
export interface SyncEngineConfig {
  intervalSeconds: number;
  staleAfterSeconds: number;
  tombstoneDays: number;
  getItemBatchSize: number;
  syncPageSize: number;
  /** Concurrent upstream calls per mailbox (exchange.maxConcurrency; EWS-NOTES §14.4). */
  maxConcurrency?: number;
  /** Pages listed ahead of the one being committed. */
  lookaheadPages?: number;
  backoffBaseSeconds?: number;
  backoffMaxSeconds?: number;
  forbiddenRetrySeconds?: number;
  listRefreshSeconds?: number;
  /** How long refreshIfStale lets a client wait for a stale calendar's sync (then serves the store). */
  refreshWaitSeconds?: number;
}

export interface SyncEngineOptions {
  store: SyncTarget;
  logger: Logger;
  config: SyncEngineConfig;
  /** Default: src/ical's renderCalendarObject / objectBounds. */
  renderer?: Renderer;
  renderOptions?: RenderOptions;
  clock?: Clock;
  random?: () => number;
  /** Told about pass results and mailbox pauses (metrics); must not throw. */
  observer?: SyncObserver;
}

const HOUR = 3_600_000;

export class SyncEngine implements RefreshSupport {
  private readonly accounts = new Map<string, AccountRuntime>();
  private readonly store: SyncTarget;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly policy: PolicyConfig;
  private started = false;
  private pruneTimer: TimerHandle | undefined;

  constructor(private readonly options: SyncEngineOptions) {
    this.store = options.store;
    this.logger = options.logger;
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    const c = options.config;
    this.policy = {
      intervalMs: c.intervalSeconds * 1000,
      backoffBaseMs: (c.backoffBaseSeconds ?? 15) * 1000,
      backoffMaxMs: (c.backoffMaxSeconds ?? 900) * 1000,
      forbiddenRetryMs: (c.forbiddenRetrySeconds ?? 3600) * 1000,
    };
  }

  /** Adds an account, or replaces its source (new credentials): a stopped account syncs again. */
  async addAccount(user: string, source: CalendarSource, filter?: CalendarFilter): Promise<void> {
    const old = this.accounts.get(user);
    if (old) await this.stopAccount(old);
    const gate = new MailboxGate(this.clock, this.options.config.maxConcurrency ?? 4);
    const acc = new AccountRuntime(user, source, compileFilter(filter ?? old?.filter), filter ?? old?.filter ?? {}, gate, this.logger.child({ user }));
    this.accounts.set(user, acc);
    const record = await this.store.ensureAccount(user);
    if (record.lastSuccess !== undefined) acc.lastSuccess = record.lastSuccess;
    // A new source means new credentials: lift a stop for rejected credentials.
    if (record.needsCredentials) await this.store.updateAccount(user, { state: 'new', needsCredentials: false, errorClass: undefined, errorMessage: undefined });
    for (const info of await this.store.calendarsForSync(user)) acc.addCalendar(info);
    if (this.started) this.startAccount(acc);
  }

  /** Same as addAccount with the current filter: pass-through login got a working password. */
  async setCredentials(user: string, source: CalendarSource): Promise<void> {
    await this.addAccount(user, source);
  }

  async removeAccount(user: string, options: { keepData?: boolean } = {}): Promise<void> {
    const acc = this.accounts.get(user);
    if (acc) await this.stopAccount(acc);
    this.accounts.delete(user);
    if (!options.keepData) await this.store.removeAccount(user);
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    for (const acc of this.accounts.values()) this.startAccount(acc);
    const prune = () => {
      const before = this.clock.now() - this.options.config.tombstoneDays * 24 * HOUR;
      this.store.pruneTombstones(before).catch((err: unknown) => this.logger.error({ err }, 'pruning tombstones failed'));
      this.pruneTimer = this.clock.setTimer(prune, HOUR);
    };
    prune();
  }

  /** Graceful: no new passes; running ones are aborted (committed pages stay) and awaited. */
  async stop(): Promise<void> {
    this.started = false;
    this.pruneTimer?.cancel();
    await Promise.all([...this.accounts.values()].map((acc) => this.stopAccount(acc)));
  }

  /** Resolves once no pass or list refresh runs (tests, shutdown); passes started meanwhile are awaited too. */
  async idle(): Promise<void> {
    for (;;) {
      const busy = [...this.accounts.values()].filter((a) => a.listInflight || [...a.calendars.values()].some((c) => c.inflight));
      if (busy.length === 0) return;
      await Promise.all(busy.map((a) => a.settle()));
    }
  }

  status(): AccountStatus[] {
    return [...this.accounts.values()].map((acc) => acc.status(this.clock.now()));
  }

  /** Lists calendars, then syncs each (or just `calendarId`); an explicit call passes a transient backoff. */
  async syncNow(user: string, calendarId?: string): Promise<SyncReport> {
    const acc = this.accounts.get(user);
    if (!acc) throw new Error(`unknown account ${user}`);
    const report: SyncReport = { user, calendars: [] };
    if (calendarId === undefined) {
      const list = await this.refreshList(acc, true);
      if (list) report.list = list;
    }
    const cals = calendarId === undefined ? [...acc.calendars.values()] : [acc.calendars.get(calendarId)].filter((c) => c !== undefined);
    report.calendars = await Promise.all(cals.map((cal) => this.trigger(acc, cal, true)));
    return report;
  }

  async refreshIfStale(user: string, calendarId?: string): Promise<void> {
    const acc = this.accounts.get(user);
    // Failing, throttled or waiting for credentials: the client is served from the store now.
    if (!acc || acc.stopped || acc.gate.closed()) return;
    const staleBefore = this.clock.now() - this.options.config.staleAfterSeconds * 1000;
    const cals = calendarId === undefined ? [...acc.calendars.values()] : [acc.calendars.get(calendarId)].filter((c) => c !== undefined);
    const syncs = cals.filter((c) => c.lastSync === undefined || c.lastSync <= staleBefore).map((c) => this.trigger(acc, c, false));
    if (syncs.length === 0) return;
    const all = Promise.all(syncs).then(() => undefined);
    const waitMs = (this.options.config.refreshWaitSeconds ?? 10) * 1000;
    let timer: TimerHandle | undefined;
    const timeout = new Promise<void>((resolve) => (timer = this.clock.setTimer(resolve, waitMs)));
    await Promise.race([all, timeout]);
    timer?.cancel();
  }

  // ------------------------------------------------------------------------------ internals

  private startAccount(acc: AccountRuntime): void {
    if (acc.stopped) return;
    // Known calendars start soon, spread over a tenth of the interval; the list refresh runs first.
    for (const cal of acc.calendars.values()) this.schedule(acc, cal, this.random() * this.policy.intervalMs * 0.1);
    const listLoop = () => {
      this.refreshList(acc, false).finally(() => {
        if (this.isLive(acc)) {
          acc.listTimer = this.clock.setTimer(listLoop, (this.options.config.listRefreshSeconds ?? 900) * 1000);
        }
      });
    };
    acc.listTimer = this.clock.setTimer(listLoop, 0);
  }

  private async stopAccount(acc: AccountRuntime): Promise<void> {
    acc.cancelTimers();
    acc.abort.abort(new Error('sync engine stopping'));
    await acc.settle();
  }

  /** Single-flight: a trigger while a pass runs joins that pass. */
  private trigger(acc: AccountRuntime, cal: CalendarRuntime, force: boolean): Promise<CalendarReport> {
    if (cal.inflight) return cal.inflight;
    const started = performance.now();
    const run = this.runCalendar(acc, cal, force)
      .then((report) => {
        const result = report.outcome === 'error' ? (report.error?.category ?? 'internal') : report.outcome;
        const durationMs = Math.round(performance.now() - started);
        this.notify(() => this.options.observer?.pass?.({ user: acc.user, calendarId: cal.id, result, durationMs, resynced: report.resynced === true }));
        return report;
      })
      .finally(() => {
        cal.inflight = undefined;
      });
    cal.inflight = run;
    return run;
  }

  private async runCalendar(acc: AccountRuntime, cal: CalendarRuntime, force: boolean): Promise<CalendarReport> {
    const report: CalendarReport = { calendarId: cal.id, outcome: 'ok' };
    try {
      if (acc.stopped) return { ...report, outcome: 'skipped', skipped: acc.stopped.category === 'auth' ? 'needs-credentials' : 'forbidden' };
      const closed = acc.gate.closed(force);
      if (closed) return { ...report, outcome: 'skipped', skipped: closed.reason };
      if (acc.abort.signal.aborted) return { ...report, outcome: 'skipped', skipped: 'stopped' };
      acc.lastAttempt = this.clock.now();
      acc.syncing += 1;
      try {
        report.stats = await this.passWithResync(acc, cal, force, report);
      } finally {
        acc.syncing -= 1;
      }
      if (report.stats?.gone) acc.calendars.delete(cal.id);
      if (report.stats?.complete) cal.lastSync = this.clock.now();
      cal.failures = 0;
      cal.lastError = undefined;
      await this.recordSuccess(acc);
      return report;
    } catch (err) {
      return await this.recordFailure(acc, cal, err, report);
    } finally {
      if (acc.calendars.get(cal.id) === cal) this.scheduleNext(acc, cal);
    }
  }

  private async passWithResync(acc: AccountRuntime, cal: CalendarRuntime, force: boolean, report: CalendarReport): Promise<PassStats | undefined> {
    const ctx = {
      user: acc.user, source: acc.source, target: this.store, gate: acc.gate, renderer: this.options.renderer ?? icalRenderer,
      renderOptions: { ...this.options.renderOptions, ownerEmail: acc.source.mailbox }, clock: this.clock, logger: acc.logger,
      batchSize: Math.min(100, this.options.config.getItemBatchSize), pageSize: this.options.config.syncPageSize,
      lookahead: this.options.config.lookaheadPages ?? 2, force, signal: acc.abort.signal,
    };
    let info = await this.store.getSyncInfo(acc.user, cal.id);
    if (info?.syncState !== undefined && acc.source.needsFullPass?.(info.syncState)) {
      // The upstream cannot continue from this state (exchange.api switched, a Graph window that
      // slid, a calendar Graph can only list): a full pass that keeps unchanged ETags, no warning.
      report.resynced = true;
      await this.store.beginFullPass(acc.user, cal.id);
      info = await this.store.getSyncInfo(acc.user, cal.id);
    }
    if (!info) return { ...emptyStats(), gone: true };
    try {
      return await runPass(ctx, info);
    } catch (err) {
      if (!isEwsdavError(err) || err.category !== 'invalid-state') throw err;
      // ErrorInvalidSyncStateData: a full pass from scratch; objects keep their ETags unless
      // their bytes change, and only those not seen by the complete pass are deleted.
      acc.logger.warn({ calendar: cal.id }, 'upstream sync state rejected; full resync');
      report.resynced = true;
      await this.store.beginFullPass(acc.user, cal.id);
      const fresh = await this.store.getSyncInfo(acc.user, cal.id);
      return fresh ? await runPass(ctx, fresh) : { ...emptyStats(), gone: true };
    }
  }

  private async recordSuccess(acc: AccountRuntime): Promise<void> {
    const now = this.clock.now();
    const wasFailing = acc.failures > 0 || acc.lastError !== undefined;
    acc.failures = 0;
    acc.lastError = undefined;
    acc.lastSuccess = now;
    if (wasFailing && acc.gate.closed(true) === undefined) acc.gate.open();
    await this.store.updateAccount(acc.user, { state: 'ok', errorClass: undefined, errorMessage: undefined, lastSuccess: now, lastAttempt: acc.lastAttempt });
  }

  private async recordFailure(acc: AccountRuntime, cal: CalendarRuntime | undefined, err: unknown, report: CalendarReport): Promise<CalendarReport> {
    const action = classify(err, acc.abort.signal);
    if (action.kind === 'aborted') return { ...report, outcome: 'skipped', skipped: 'stopped' };
    const category = errorCategory(err);
    const message = errorMessage(err);
    const now = this.clock.now();
    report.outcome = 'error';
    report.error = { category, message };
    switch (action.kind) {
      case 'stop-auth':
        acc.stopped = { category: 'auth', message };
        acc.cancelTimers();
        break;
      case 'forbidden':
        acc.gate.block(now + this.policy.forbiddenRetryMs, 'backoff');
        break;
      case 'throttled':
        if (action.retryAfterMs !== undefined) acc.gate.block(now + action.retryAfterMs, 'throttled');
        break;
      case 'mailbox-backoff':
        acc.failures += 1;
        acc.gate.block(now + backoffDelay(this.policy, acc.failures, this.random), 'backoff');
        break;
      case 'folder-gone':
        void this.refreshList(acc, false);
        break;
      case 'calendar-backoff':
        if (cal) cal.failures += 1;
        break;
    }
    const pause = PAUSES[action.kind];
    if (pause && category !== 'gate') this.reportPause(acc, pause, now);
    if (cal && action.kind !== 'throttled') cal.lastError = { category, message };
    // A gate already closed by someone else's throttle is not news: no log line per calendar.
    if (category !== 'gate') {
      acc.lastError = { category, message };
      acc.logger.warn({ calendar: cal?.id, category, err: message, action: action.kind }, 'sync failed');
      await this.store.updateAccount(acc.user, {
        state: action.kind === 'stop-auth' ? 'needs-credentials' : 'error',
        needsCredentials: action.kind === 'stop-auth',
        errorClass: category === 'internal' ? 'permanent' : category,
        errorMessage: message,
        lastAttempt: acc.lastAttempt ?? now,
      });
    }
    return report;
  }

  private reportPause(acc: AccountRuntime, reason: PauseReason, now: number): void {
    const next = nextPause(acc.lastPause, reason, acc.gate.closed()?.until, now);
    acc.lastPause = next.state;
    if (next.event) this.notify(() => this.options.observer?.pause?.({ user: acc.user, ...next.event! }));
  }

  /** Observers feed metrics: their failure must never change what the engine does. */
  private notify(call: () => void): void {
    try {
      call();
    } catch (err) {
      this.logger.error({ err }, 'sync observer failed');
    }
  }

  private async refreshList(acc: AccountRuntime, force: boolean): Promise<{ added: string[]; removed: string[] } | undefined> {
    if (acc.listInflight) return acc.listInflight;
    const run = (async () => {
      if (acc.stopped || acc.gate.closed(force) || acc.abort.signal.aborted) return undefined;
      try {
        const upstream = await acc.gate.run(() => acc.source.listCalendars({ signal: acc.abort.signal }), { high: true, force, signal: acc.abort.signal });
        const wanted = upstream.filter((c) => acc.matches([c.name, calendarIdFor(c.upstreamId), c.upstreamId]));
        const change = await this.store.replaceCalendars(acc.user, wanted);
        for (const id of change.removed) acc.dropCalendar(id);
        for (const info of change.calendars) {
          if (acc.calendars.has(info.id)) acc.calendars.get(info.id)!.displayName = info.displayName;
          else if (this.started) this.schedule(acc, acc.addCalendar(info), this.random() * 1000);
          else acc.addCalendar(info);
        }
        if (change.added.length || change.removed.length) acc.logger.info({ added: change.added, removed: change.removed }, 'calendar list changed');
        return { added: change.added, removed: change.removed };
      } catch (err) {
        await this.recordFailure(acc, undefined, err, { calendarId: '', outcome: 'error' });
        return undefined;
      }
    })().finally(() => {
      acc.listInflight = undefined;
    });
    acc.listInflight = run;
    return run;
  }

  private scheduleNext(acc: AccountRuntime, cal: CalendarRuntime): void {
    if (!this.isLive(acc)) return;
    const now = this.clock.now();
    const closed = acc.gate.closed();
    let delay: number;
    // After a throttle: not one request before the gate opens, then a little spread.
    if (closed) delay = closed.until - now + this.random() * 1000;
    else if (cal.failures > 0) delay = backoffDelay(this.policy, cal.failures, this.random);
    else delay = intervalDelay(this.policy, this.random);
    this.schedule(acc, cal, delay);
  }

  /** Started, not stopped for credentials, and not replaced or removed meanwhile. */
  private isLive(acc: AccountRuntime): boolean {
    return this.started && !acc.stopped && !acc.abort.signal.aborted && this.accounts.get(acc.user) === acc;
  }

  private schedule(acc: AccountRuntime, cal: CalendarRuntime, delay: number): void {
    if (!this.isLive(acc)) return;
    cal.timer?.cancel();
    cal.timer = this.clock.setTimer(() => {
      cal.timer = undefined;
      void this.trigger(acc, cal, false);
    }, Math.max(0, Math.round(delay)));
  }
}

function emptyStats(): PassStats {
  return { fullPass: false, pages: 0, fetched: 0, skipped: 0, changed: 0, deleted: 0, identical: 0, failed: 0, complete: false, gone: false };
}
