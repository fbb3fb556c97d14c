// Loops over paged operations (STYLE.md: exchangelib's EWSPagingService, minus its side doors):
// FindFolder offsets, CalendarView windows and continuation, SyncFolderItems states. Odd paging
// values from the server are normalised here with a logged reason.

import type { Logger } from 'pino';
import { EwsdavError } from '../errors.js';
import type { CallOptions, EwsTransport } from './call.js';
import type { FolderRef } from './operation.js';
import { findFolder } from './operations/find-folder.js';
import { findItem } from './operations/find-item.js';
import { syncFolderItems, type SyncFolderItemsResult } from './operations/sync-folder-items.js';
import type { ParseContext, ParsedCalendarItem } from './parse-calendar-item.js';
import type { FolderInfo } from './parse-folder.js';

/** Every folder under `parent` whose FolderClass starts with `prefix`, over all FindFolder pages. */
export async function findAllFolders(
  transport: EwsTransport,
  call: CallOptions,
  parent: FolderRef,
  options: { prefix?: string; pageSize?: number; logger?: Logger } = {},
): Promise<FolderInfo[]> {
  const seen = new Map<string, FolderInfo>();
  let offset = 0;
  for (let page = 0; page < 1000; page++) {
    const res = await transport.call(findFolder, { parent, offset, maxEntries: options.pageSize ?? 100, folderClassPrefix: options.prefix }, call);
    for (const f of res.folders) seen.set(f.folderId, f);
    if (res.includesLastItemInRange || res.folders.length === 0) return [...seen.values()];
    // Like exchangelib's _get_next_offset: trust IndexedPagingOffset only when it moves forward;
    // otherwise advance by what we got (a duplicate is harmless, a gap is not).
    const next = res.nextOffset !== undefined && res.nextOffset > offset ? res.nextOffset : offset + res.folders.length;
    if (res.nextOffset === undefined || res.nextOffset <= offset) {
      options.logger?.debug({ offset, reported: res.nextOffset, next }, 'FindFolder paging offset missing or not advancing; using the count');
    }
    offset = next;
  }
  throw new EwsdavError('EWSDAV_ERR_UPSTREAM_RESPONSE', 'FindFolder kept returning pages; gave up after 1000.', { operation: 'FindFolder', mailbox: call.mailbox });
}

/** ≤ 2 years per CalendarView (ErrorCalendarViewRangeTooBig otherwise, §5.2); 730 days is under 2 years in every case. */
export const MAX_VIEW_WINDOW_MS = 730 * 86_400_000;
const MAX_FIND_ENTRIES = 1000; // EWSFindCountLimit (§14.4)

export interface CalendarViewOptions {
  folder: FolderRef;
  start: number;
  end: number;
  /** MaxEntriesReturned per page, default 500, at most 1000. */
  pageSize?: number;
  parse?: ParseContext;
  logger?: Logger;
}

/**
 * Every item (singles, occurrences, exceptions) overlapping [start, end), each once. Windows are
 * ≤ 2 years; a truncated page continues from the Start of its last item (exchangelib re-sends the
 * same view instead, §15) and items are de-duplicated by ItemId, since overlapping items come back
 * in both pages and windows.
 */
export async function calendarView(transport: EwsTransport, call: CallOptions, options: CalendarViewOptions): Promise<ParsedCalendarItem[]> {
  const byId = new Map<string, ParsedCalendarItem>();
  let pageSize = Math.min(MAX_FIND_ENTRIES, Math.max(1, options.pageSize ?? 500));
  for (let windowStart = options.start; windowStart < options.end; windowStart += MAX_VIEW_WINDOW_MS) {
    const windowEnd = Math.min(options.end, windowStart + MAX_VIEW_WINDOW_MS);
    let cursor = windowStart;
    for (;;) {
      const res = await transport.call(findItem, { folder: options.folder, start: cursor, end: windowEnd, maxEntries: pageSize, parse: options.parse }, call);
      let added = 0;
      for (const item of res.items) {
        if (!byId.has(item.itemId)) {
          byId.set(item.itemId, item);
          added++;
        }
      }
      if (res.includesLastItemInRange || res.items.length === 0) break;
      const lastStart = Math.max(...res.items.map((i) => i.startUtc));
      if (lastStart > cursor) {
        cursor = lastStart;
        continue;
      }
      // A full page of items starting at (or overlapping) the cursor: moving the start cannot help,
      // a bigger page can, up to the find limit.
      if (pageSize < MAX_FIND_ENTRIES) {
        options.logger?.debug({ cursor, pageSize, added }, 'CalendarView page did not advance; enlarging the page');
        pageSize = Math.min(MAX_FIND_ENTRIES, pageSize * 2);
        continue;
      }
      throw new EwsdavError('EWSDAV_ERR_UPSTREAM_RESPONSE', `More than ${MAX_FIND_ENTRIES} calendar items overlap ${new Date(cursor).toISOString()}; the view cannot be paged.`, {
        operation: 'FindItem',
        mailbox: call.mailbox,
      });
    }
  }
  return [...byId.values()];
}

/** SyncFolderItems pages from `state` until IncludesLastItemInRange (§10). */
export async function* syncPages(
  transport: EwsTransport,
  call: CallOptions,
  folder: FolderRef,
  state: string | undefined,
  maxChanges?: number,
): AsyncGenerator<SyncFolderItemsResult> {
  let current = state;
  for (;;) {
    const page = await transport.call(syncFolderItems, { folder, syncState: current, maxChanges }, call);
    yield page;
    if (page.includesLastItemInRange) return;
    if (page.syncState === current && page.changes.length === 0) {
      // A state that does not move would loop forever; treat the pass as complete.
      return;
    }
    current = page.syncState;
  }
}
