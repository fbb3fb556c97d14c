// A Graph series master plus its instances around the sync window → one CalendarObject, equal to
// what the EWS path assembles from the master's ModifiedOccurrences/DeletedOccurrences
// (src/exchange/assemble.ts). Graph names neither: exceptions are the `exception` instances
// (overrides, recurrenceId = originalStart in the series zone), and deleted occurrences are the
// occurrences the recurrence expects in the window (src/model/occurrences.ts) that no instance
// stands for.
//
// `/instances` selects by an instance's actual time, so an exception moved out of the window
// would look deleted. Outlook does not let an occurrence move past its neighbouring occurrences,
// so the listing covers [original start of the occurrence before the window, original start of
// the occurrence after it] (instanceRange): every occurrence originally in the window is found
// wherever it was moved. Only occurrences inside the window are judged; exceptions found outside
// it are kept as overrides.

import { occurrencesBetween, type SeriesTiming } from '../model/occurrences.js';
import type { CalendarObject, EventData } from '../model/index.js';
import { eventTime, parseDateTime, uidFromItemId } from '../upstream/item-values.js';
import { toEwsId } from './ids.js';
import type { GraphParseContext, ParsedGraphEvent } from './parse-event.js';
import { parseGraphEvent } from './parse-event.js';
import type { SyncWindow } from './sync-state.js';
import type { GraphEvent } from './types.js';

export interface Assembled {
  object: CalendarObject;
  /** Every occurrence and exception id in the window (EWS form): FetchResult.aliases. */
  aliases: string[];
}

const DAY_MS = 86_400_000;
/** How far the neighbour of an edge occurrence is looked for, widening (days). */
const NEIGHBOUR_SEARCH_DAYS = [40, 400, 4_000, 40_000];
/**
 * Where a series has no occurrence before (after) the window, its first (last) occurrence has no
 * neighbour to stop a move; the range then reaches this far past the window. Nothing but moved
 * exceptions can be there, so it costs nothing.
 */
const OPEN_EDGE_MS = 366 * DAY_MS;

function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The original start of the last occurrence starting before `at`. */
function occurrenceBefore(series: SeriesTiming, at: number): number | undefined {
  for (const days of NEIGHBOUR_SEARCH_DAYS) {
    const from = at - days * DAY_MS;
    const found = occurrencesBetween(series, from, at).filter((o) => o.start < at);
    if (found.length > 0) return found.at(-1)!.start;
    if (from <= series.startUtc) return undefined;
  }
  return undefined;
}

/** The original start of the first occurrence starting at or after `at`. */
function occurrenceAfter(series: SeriesTiming, at: number): number | undefined {
  for (const days of NEIGHBOUR_SEARCH_DAYS) {
    const found = occurrencesBetween(series, at, at + days * DAY_MS, 64).find((o) => o.start >= at);
    if (found) return found.start;
  }
  return undefined;
}

/**
 * The range to list a master's instances over: from the original start of the occurrence before
 * the window to that of the occurrence after it (see the header), never less than the window.
 */
export function instanceRange(master: ParsedGraphEvent, window: SyncWindow): SyncWindow {
  if (!master.recurrence) return window;
  const from = Date.parse(window.start);
  const until = Date.parse(window.end);
  const series: SeriesTiming = { recurrence: master.recurrence, startUtc: master.startUtc, endUtc: master.endUtc, zone: master.startZone };
  const before = occurrenceBefore(series, from) ?? from - OPEN_EDGE_MS;
  const after = occurrenceAfter(series, until) ?? until + OPEN_EDGE_MS;
  return { start: isoSeconds(Math.min(before, from)), end: isoSeconds(Math.max(after, until)) };
}

export function assembleSingle(item: ParsedGraphEvent): CalendarObject {
  return { uid: item.uid ?? uidFromItemId(item.id), master: item.data, deletedOccurrences: [], overrides: [] };
}

/**
 * `instances` are what `/events/{id}/instances` returned over instanceRange(master, window), in
 * any order. `exceptions`
 * are full events of the exception instances (by Graph id), when the listing did not carry them.
 */
export function assembleSeries(master: ParsedGraphEvent, instances: readonly GraphEvent[], window: SyncWindow, ctx: GraphParseContext, exceptions: ReadonlyMap<string, GraphEvent> = new Map()): Assembled {
  const zone = master.startZone;
  const allDay = master.isAllDay;
  const aliases: string[] = [];
  const present = new Set<number>();
  const overrides: { at: number; data: EventData }[] = [];
  for (const instance of instances) {
    if (instance.type !== 'occurrence' && instance.type !== 'exception') continue;
    aliases.push(toEwsId(instance.id));
    if (!instance.originalStart) continue;
    const original = parseDateTime(instance.originalStart);
    present.add(original);
    if (instance.type !== 'exception') continue;
    const parsed = parseGraphEvent(exceptions.get(instance.id) ?? instance, ctx);
    overrides.push({ at: original, data: { ...parsed.data, recurrenceId: eventTime(original, zone, allDay) } });
  }
  overrides.sort((a, b) => a.at - b.at);

  const object: CalendarObject = { uid: master.uid ?? uidFromItemId(master.id), master: master.data, deletedOccurrences: [], overrides: overrides.map((o) => o.data) };
  if (master.recurrence) {
    object.recurrence = master.recurrence;
    const from = Date.parse(window.start);
    const until = Date.parse(window.end);
    // Only occurrences wholly inside the window: one that straddles an edge may be listed or not
    // depending on how the server reads the range, and must not be taken for deleted.
    const expected = occurrencesBetween({ recurrence: master.recurrence, startUtc: master.startUtc, endUtc: master.endUtc, zone }, from, until);
    object.deletedOccurrences = expected
      .filter((o) => o.start >= from && o.end <= until && !present.has(o.start))
      .map((o) => eventTime(o.start, zone, allDay));
  }
  return { object, aliases };
}
