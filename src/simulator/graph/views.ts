// Windowed listings over the mailbox model: calendarView (singles, occurrences and exceptions
// overlapping the window, the same rule the EWS CalendarView uses), a series' instances, and
// $skip/$top paging with an absolute @odata.nextLink. Expansion is the simulator's own
// (../mailbox/occurrences.ts over ../recurrence).

import type { IdCodec } from '../mailbox/ids.js';
import { instancesInRange } from '../mailbox/occurrences.js';
import type { Mailbox, StoredItem } from '../mailbox/types.js';
import { type EventSource, instanceSource, storedSource } from './event-json.js';
import type { Preferences } from './http.js';
import type { ListQuery } from './query.js';

/** Instances of one stored item overlapping [start, end) on instants (End > start && Start < end). */
export function itemInstancesInWindow(ids: IdCodec, mb: Mailbox, item: StoredItem, start: number, end: number): EventSource[] {
  if (!item.recurrence) {
    return item.fields.end > start && item.fields.start < end ? [storedSource(ids, mb, item)] : [];
  }
  return instancesInRange(item, start, end).map((v) => instanceSource(ids, mb, v));
}

export function folderInstancesInWindow(ids: IdCodec, mb: Mailbox, folderKey: string, start: number, end: number): EventSource[] {
  const out: EventSource[] = [];
  for (const item of mb.items.values()) {
    if (item.folderKey === folderKey) out.push(...itemInstancesInWindow(ids, mb, item, start, end));
  }
  return out;
}

/** By start, then end, then id: a stable order, so $skip pages neither repeat nor skip. */
export function byStart(list: EventSource[], desc = false): EventSource[] {
  const sorted = list.sort((a, b) => a.fields.start - b.fields.start || a.fields.end - b.fields.end || (a.ewsId < b.ewsId ? -1 : a.ewsId > b.ewsId ? 1 : 0));
  return desc ? sorted.reverse() : sorted;
}

export interface Page<T> {
  value: T[];
  nextLink?: string;
  /** odata.maxpagesize when it set the page size (for Preference-Applied). */
  maxPageSizeApplied?: number;
}

/**
 * One page of a list. Outlook treats $top as the page size and continues with $skip; without
 * $top, `Prefer: odata.maxpagesize` or the default sets it.
 */
export function pageOf<T>(all: readonly T[], q: ListQuery, prefer: Preferences, defaultSize: number, requestUrl: URL): Page<T> {
  const limits = [q.top, prefer.maxPageSize].filter((n): n is number => n !== undefined);
  const size = Math.min(1000, limits.length ? Math.min(...limits) : defaultSize);
  const value = all.slice(q.skip, q.skip + size);
  const page: Page<T> = { value };
  if (prefer.maxPageSize !== undefined && (q.top === undefined || prefer.maxPageSize <= q.top)) page.maxPageSizeApplied = Math.min(1000, prefer.maxPageSize);
  if (q.skip + size < all.length) {
    const next = new URL(requestUrl.href);
    for (const k of [...next.searchParams.keys()]) if (k.toLowerCase() === '$skip') next.searchParams.delete(k);
    next.searchParams.set('$skip', String(q.skip + size));
    page.nextLink = next.href;
  }
  return page;
}
