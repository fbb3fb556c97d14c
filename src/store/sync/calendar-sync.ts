// One sync pass of one calendar: drive the upstream's change pages, fetch the changed items in
// batches, render them and commit each page with its upstream state in one transaction. Pages
// are pipelined (the next SyncFolderItems runs while this page's GetItems do) but always
// committed in order, so a crash loses at most the uncommitted look-ahead, never a change.

import type { Logger } from 'pino';
import type { UpstreamCalendar, UpstreamRef } from '../../model/index.js';
import type { CalendarSource, SyncPage } from '../types.js';
import type { CalendarSyncInfo, PageWrite, PreparedObject, SyncTarget } from '../sync-target.js';
import type { MailboxGate } from './gate.js';
import type { Renderer, RenderOptions } from './render.js';
import type { Clock } from './clock.js';

export interface PassContext {
  user: string;
  source: CalendarSource;
  target: SyncTarget;
  gate: MailboxGate;
  renderer: Renderer;
  renderOptions: RenderOptions;
  clock: Clock;
  logger: Logger;
  batchSize: number;
  pageSize: number;
  lookahead: number;
  force: boolean;
  signal: AbortSignal;
}

export interface PassStats {
  fullPass: boolean;
  pages: number;
  fetched: number;
  /** Items a full pass skipped because their ChangeKey matched the stored one. */
  skipped: number;
  changed: number;
  deleted: number;
  identical: number;
  /** Items the upstream listed but could not deliver or the converter could not render. */
  failed: number;
  complete: boolean;
  /** The calendar disappeared from the store during the pass (list refresh removed it). */
  gone: boolean;
}

export function upstreamCalendarOf(info: CalendarSyncInfo, mailbox: string): UpstreamCalendar {
  return { upstreamId: info.upstreamId, name: info.displayName, kind: info.kind, readOnly: info.readOnly, mailbox };
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Fetch and render one page's upserts; resolves to what applyPage needs. */
async function preparePage(
  ctx: PassContext,
  cal: UpstreamCalendar,
  calendarId: string,
  page: SyncPage,
  fullPass: boolean,
  stats: PassStats,
  signal: AbortSignal,
): Promise<PageWrite> {
  const byId = new Map<string, UpstreamRef>();
  for (const ref of page.upserted) byId.set(ref.id, ref); // a later entry for the same id wins
  const gone = new Set(page.deleted);
  const deleted: string[] = [];
  // A deleted alias (a Graph occurrence) changed its series rather than removing an object: the
  // series is fetched again, unless it is itself among the deletions.
  const owners = gone.size > 0 ? await ctx.target.resolveAliases(ctx.user, calendarId, [...gone]) : new Map<string, string>();
  for (const id of gone) {
    const owner = owners.get(id);
    if (owner === undefined) deleted.push(id);
    else if (!gone.has(owner) && !byId.has(owner)) byId.set(owner, { id: owner });
  }
  for (const id of deleted) byId.delete(id);
  let refs = [...byId.values()];
  const unchanged: string[] = [];
  if (fullPass && refs.length > 0) {
    // A resync re-lists every item; those whose ChangeKey is the stored one are unchanged
    // (Exchange changes the key on every modification), so they keep their bytes and ETag
    // without a GetItem.
    const known = await ctx.target.knownChangeKeys(ctx.user, calendarId, refs.map((r) => r.id));
    refs = refs.filter((r) => {
      const same = r.changeKey !== undefined && known.get(r.id) === r.changeKey;
      if (same) unchanged.push(r.id);
      return !same;
    });
    stats.skipped += unchanged.length;
  }
  const results = await Promise.all(
    chunks(refs, ctx.batchSize).map((batch) =>
      ctx.gate.run(() => ctx.source.fetchObjects(cal, batch, { signal }), { force: ctx.force, signal }),
    ),
  );
  const upserts: PreparedObject[] = [];
  for (const result of results.flat()) {
    stats.fetched += 1;
    if (!result.ok) {
      // Gone between the sync page and the GetItem (ErrorItemNotFound): a deletion.
      deleted.push(result.ref.id);
      if (result.reason !== 'not-found') {
        stats.failed += 1;
        ctx.logger.warn({ itemId: result.ref.id, reason: result.reason, message: result.message }, 'upstream item skipped');
      }
      continue;
    }
    try {
      const ical = ctx.renderer.render(result.object, ctx.renderOptions);
      const bounds = ctx.renderer.bounds(result.object);
      const prepared: PreparedObject = { upstreamId: result.ref.id, uid: result.object.uid, ical, firstStart: bounds.firstStart };
      if (result.ref.changeKey !== undefined) prepared.changeKey = result.ref.changeKey;
      if (result.aliases !== undefined) prepared.aliases = result.aliases;
      if (bounds.lastEnd !== undefined) prepared.lastEnd = bounds.lastEnd;
      upserts.push(prepared);
    } catch (err) {
      // One item the converter cannot handle must not stop the calendar; it is left out
      // (and removed if an older version was stored) until a converter fix renders it.
      stats.failed += 1;
      deleted.push(result.ref.id);
      ctx.logger.error({ err, itemId: result.ref.id, uid: result.object.uid }, 'calendar object could not be rendered');
    }
  }
  return { state: page.state, complete: page.complete, upserts, unchanged, deleted };
}

export async function runPass(ctx: PassContext, info: CalendarSyncInfo): Promise<PassStats> {
  const state = info.syncState;
  const fullPass = info.inFullPass || state === undefined;
  if (state === undefined) await ctx.target.beginFullPass(ctx.user, info.id);
  const cal = upstreamCalendarOf(info, ctx.source.mailbox);
  const stats: PassStats = { fullPass, pages: 0, fetched: 0, skipped: 0, changed: 0, deleted: 0, identical: 0, failed: 0, complete: false, gone: false };
  // Aborted on the first failure so queued fetches of look-ahead pages do not go out.
  const local = new AbortController();
  const onOuterAbort = () => local.abort(ctx.signal.reason);
  ctx.signal.addEventListener('abort', onOuterAbort, { once: true });
  const pending: Promise<PageWrite>[] = [];
  const iterator = ctx.source.changes(cal, state, { signal: local.signal, pageSize: ctx.pageSize })[Symbol.asyncIterator]();
  let finished = false;
  // Set when a page failed: later pages must then never commit (pages commit in order only).
  let broken = false;

  const commit = async () => {
    let write: PageWrite;
    try {
      write = await pending.shift()!;
    } catch (err) {
      broken = true;
      throw err;
    }
    if (local.signal.aborted) throw local.signal.reason ?? new Error('aborted');
    const outcome = await ctx.target.applyPage(ctx.user, info.id, write, ctx.clock.now());
    if (!outcome) {
      stats.gone = true;
      local.abort(new Error('calendar removed'));
      return;
    }
    stats.pages += 1;
    stats.changed += outcome.changed;
    stats.deleted += outcome.deleted;
    stats.identical += outcome.identical;
    if (write.complete) stats.complete = true;
  };

  try {
    while (!stats.gone) {
      const next = await ctx.gate.run(() => iterator.next(), { high: true, force: ctx.force, signal: local.signal });
      if (next.done) {
        finished = true;
        break;
      }
      const prepared = preparePage(ctx, cal, info.id, next.value, fullPass, stats, local.signal);
      prepared.catch(() => {}); // observed by commit(); this only silences the early-rejection warning
      pending.push(prepared);
      // Never ask for more after the last page: the pass is complete and another call would be waste.
      if (next.value.complete) {
        finished = true;
        break;
      }
      while (pending.length > ctx.lookahead) await commit();
    }
    while (pending.length > 0 && !stats.gone) await commit();
    return stats;
  } catch (err) {
    if (!broken && !ctx.signal.aborted) {
      // The next page request failed (throttled, network) but pages already listed are whole:
      // commit those whose fetches succeed, so the retry does not fetch them again.
      try {
        while (pending.length > 0 && !stats.gone) await commit();
      } catch {
        // The original error is the one to report.
      }
    }
    local.abort(err);
    // Let in-flight fetches settle before returning, so no request of this pass is still
    // running when the engine reschedules (or a test counts requests).
    await Promise.allSettled(pending);
    throw err;
  } finally {
    ctx.signal.removeEventListener('abort', onOuterAbort);
    if (!finished) await iterator.return?.().catch(() => undefined);
  }
}
