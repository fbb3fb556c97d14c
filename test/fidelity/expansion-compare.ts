// The comparison of the expansion-equivalence tests, shared by the EWS one (./expansion.test.ts)
// and the Graph one (../graph/expansion.test.ts): the recurring cases, the span compared per series,
// ical.js instances of a rendered CalendarObject as occurrences, and the assertions that a
// server's own instance list (CalendarView over EWS or Graph) equals them as UTC instants and as
// wall-clock times in the series zone, ends excepted where FidelityCase.endsDifferOn says so.

import type { Test } from 'tap';
import { expandInstances, type Instance } from '../../src/ical/expand.js';
import type { CalendarObject } from '../../src/model/index.js';
import { zoneFromInput } from '../../src/simulator/mailbox/input.js';
import { localToUtc, utcToLocal, type ZoneDefinition } from '../../src/simulator/recurrence/zones.js';
import { CAPTURE_NOW, CASES, MAILBOX_ZONE, type FidelityCase } from './cases.js';
import { EXTRA_SERIES } from './extra-series.js';

export const DAY = 86_400_000;
const FIVE_YEARS = 5 * 365 * DAY + 2 * DAY;

/** Every recurring case: the golden ones and the extra series. */
export const SERIES: FidelityCase[] = [...CASES, ...EXTRA_SERIES].filter((c) => c.item.recurrence);

export interface Occurrence {
  start: number;
  end: number;
  /** Wall clock in the series zone: 'YYYY-MM-DDTHH:MM:SS', or 'YYYY-MM-DD' for all-day series. */
  local: string;
}

export type Span = [from: number, to: number];

export const isoDate = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const iso = (ms: number): string => (Number.isFinite(ms) ? new Date(ms).toISOString() : '(not compared)');
const fmt = (o: Occurrence): string => `${iso(o.start)} – ${iso(o.end)} @ ${o.local}`;

export const zoneOf = (c: FidelityCase): ZoneDefinition => zoneFromInput(c.item.timeZone, MAILBOX_ZONE);
export const localText = (zone: ZoneDefinition, utc: number, allDay: boolean): string => new Date(utcToLocal(zone, utc)).toISOString().slice(0, allDay ? 10 : 19);

/** ical.js instances as occurrences; all-day dates become the zone's local midnights (§7.3). */
function fromIcal(inst: Instance, zone: ZoneDefinition, allDay: boolean): Occurrence {
  if (!allDay) return { start: inst.start, end: inst.end, local: inst.localStart };
  return { start: localToUtc(zone, inst.start), end: localToUtc(zone, inst.end), local: inst.localStart };
}

/** The master's first start as an instant (an all-day date at the series zone's midnight). */
export function firstStartOf(obj: CalendarObject, c: FidelityCase): number {
  return obj.master.start.kind === 'date-time' ? obj.master.start.utc : localToUtc(zoneOf(c), Date.parse(obj.master.start.date));
}

/** The span to compare: the whole series, at most five years from its first occurrence. */
export function spanOf(ics: string, firstStart: number): Span {
  const cap = firstStart + FIVE_YEARS;
  const all = expandInstances(ics, firstStart - DAY, cap, 100_000);
  const lastEnd = Math.max(...all.map((i) => i.end));
  return [firstStart - DAY, Math.min(cap, lastEnd + DAY)];
}

/** ical.js (src/ical/expand.ts) instances of `ics` overlapping `span`, as occurrences. */
export function expandedIn(ics: string, c: FidelityCase, [from, to]: Span): Occurrence[] {
  const zone = zoneOf(c);
  const allDay = c.item.isAllDay === true;
  // All-day instances come back as floating dates (UTC midnights): ask wider, then filter on the zone's midnights.
  return expandInstances(ics, allDay ? from - 2 * DAY : from, allDay ? to + 2 * DAY : to, 100_000)
    .map((i) => fromIcal(i, zone, allDay))
    .filter((o) => o.start < to && o.end > from);
}

export interface CompareOptions {
  /** Names the reference in messages ('CalendarView', 'Graph calendarView'). */
  reference: string;
  /** The span of the message (what was compared); default the span itself. */
  span: Span;
  /** Fewest reference occurrences expected in the span; default 2. */
  minOccurrences?: number;
}

/**
 * Asserts that `expanded` (ical.js) equals `viewed` (the server's instances, any order) instance by
 * instance. Known divergence (FidelityCase.endsDifferOn): those instances are compared without
 * their end, and the ends must still differ, so a list that no longer needs the entry says so.
 */
export function compareOccurrences(t: Test, c: FidelityCase, expanded: Occurrence[], viewed: Occurrence[], options: CompareOptions): void {
  const [from, to] = options.span;
  const sorted = [...viewed].sort((a, b) => a.start - b.start);
  t.ok(sorted.length >= (options.minOccurrences ?? 2), `${sorted.length} occurrences in the view`);
  t.ok(sorted.some((o) => o.start >= Date.parse(CAPTURE_NOW)), 'reaches past the capture date');
  const differ = new Set(c.endsDifferOn ?? []);
  const key = (o: Occurrence): string => (differ.has(o.local.slice(0, 10)) ? fmt({ ...o, end: NaN }) : fmt(o));
  for (const date of differ) {
    const ends = [expanded, sorted].map((list) => list.find((o) => o.local.startsWith(date))?.end);
    t.not(ends[0], ends[1], `${date}: the end still differs (drop it from endsDifferOn once it does not)`);
  }
  t.same(expanded.map(key), sorted.map(key), `ical.js = ${options.reference} (${isoDate(from)} … ${isoDate(to)})`);
}
