// Cheap UTC bounds for the store's time-range prefilter, computed from the model without
// expanding a series. The result is a superset (never later first start, never earlier last
// end) of the exact instance bounds: front-ends filter exactly on the iCalendar text anyway,
// and exact expansion (src/ical objectBounds) costs milliseconds per series on every sync.

import type { CalendarObject, EventTime, RecurrencePattern } from '../../model/index.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Widest UTC offset in use (UTC+14, UTC−12): a local date lies within this of UTC midnight. */
const ZONE_SLACK = 14 * HOUR;

function dateMs(date: string): number {
  return Date.parse(`${date}T00:00:00Z`);
}

function startOf(t: EventTime): number {
  return t.kind === 'date-time' ? t.utc : dateMs(t.date) - ZONE_SLACK;
}

function endOf(t: EventTime): number {
  // An all-day DTEND is the (exclusive) local midnight of that date.
  return t.kind === 'date-time' ? t.utc : dateMs(t.date) + ZONE_SLACK;
}

/** The longest a period of the pattern can last, in days. */
function periodDays(p: RecurrencePattern): number {
  switch (p.type) {
    case 'daily':
      return 1;
    case 'weekly':
      return 7;
    case 'absoluteMonthly':
    case 'relativeMonthly':
      return 31;
    case 'absoluteYearly':
      // Feb 29 recurs only in leap years, at most 8 years apart (2096 → 2104).
      return p.month === 2 && p.dayOfMonth === 29 ? 8 * 366 : 366;
    case 'relativeYearly':
      return 366;
  }
}

export function approximateBounds(obj: CalendarObject): { firstStart: number; lastEnd?: number } {
  const { master } = obj;
  const duration = Math.max(0, endOf(master.end) - startOf(master.start));
  let first = startOf(master.start);
  let last: number | undefined = Math.max(first, endOf(master.end));
  const r = obj.recurrence;
  if (r) {
    first = Math.min(first, dateMs(r.range.startDate) - ZONE_SLACK);
    const seriesStart = Math.max(startOf(master.start), dateMs(r.range.startDate) - ZONE_SLACK) + ZONE_SLACK;
    if (r.range.type === 'noEnd') last = undefined;
    else if (r.range.type === 'endDate') last = dateMs(r.range.endDate) + DAY + ZONE_SLACK + duration;
    else last = seriesStart + r.range.count * r.pattern.interval * periodDays(r.pattern) * DAY + ZONE_SLACK + duration;
  }
  // Overrides may move an instance anywhere, also outside the pattern's range.
  for (const o of obj.overrides) {
    first = Math.min(first, startOf(o.start));
    if (last !== undefined) last = Math.max(last, endOf(o.end));
  }
  return last === undefined ? { firstStart: first } : { firstStart: first, lastEnd: last };
}
