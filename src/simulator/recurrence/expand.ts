// Independent expansion of EWS recurrence by Microsoft's rules (not RRULE):
// day 29–31 of a shorter month falls back to its last day, Feb 29 yearly → Feb 28,
// pseudo-days Day / Weekday / WeekendDay, Last = -1 (EWS-NOTES §8.1, CDO DayOfMonth docs).
// Occurrences keep their local time in the series zone across DST (EWS-NOTES §8).

import { DAY_MS, civil, daysInMonth, dayNumber, parseDate, weekday } from './dates.js';
import {
  type DayOfWeekIndex, type DayOfWeekName, type Recurrence, type RecurrencePattern,
  MONTHS, WEEK_INDEXES, WEEKDAYS,
} from './types.js';
import { type ZoneDefinition, localToUtc, utcToLocal } from './zones.js';

const MAX_PERIODS = 200_000; // guards a NoEnd series against a caller that never stops

function weekdayIndex(name: string): number {
  const i = (WEEKDAYS as readonly string[]).indexOf(name);
  if (i < 0) throw new RangeError(`unknown weekday ${name}`);
  return i;
}

function monthIndex(name: string): number {
  return (MONTHS as readonly string[]).indexOf(name) + 1;
}

/** Day-of-month chosen by an absolute pattern: 31 in April → 30, Feb 29 in 2027 → 28. */
function clampDay(year: number, month: number, day: number): number {
  return dayNumber(year, month, Math.min(day, daysInMonth(year, month)));
}

function matches(dow: number, name: DayOfWeekName): boolean {
  switch (name) {
    case 'Day': return true;
    case 'Weekday': return dow >= 1 && dow <= 5;
    case 'WeekendDay': return dow === 0 || dow === 6;
    default: return dow === weekdayIndex(name);
  }
}

/** The First…Fourth / Last day of a month matching a day or pseudo-day (WSR/dayofweekindex). */
export function relativeDay(year: number, month: number, name: DayOfWeekName, index: DayOfWeekIndex): number {
  const first = dayNumber(year, month, 1);
  const n = daysInMonth(year, month);
  const k = WEEK_INDEXES.indexOf(index); // 0..3, 4 = Last
  if (k === 4) {
    for (let d = first + n - 1; d >= first; d--) if (matches(weekday(d), name)) return d;
  } else {
    let seen = 0;
    for (let d = first; d < first + n; d++) {
      if (matches(weekday(d), name) && seen++ === k) return d;
    }
  }
  throw new RangeError('no matching day');
}

/** Candidate local dates of a pattern from `start` on, in order, ignoring the range end. */
export function* patternDates(pattern: RecurrencePattern, start: number): Generator<number> {
  const s = civil(start);
  switch (pattern.kind) {
    case 'Daily':
      for (let d = start, i = 0; i < MAX_PERIODS; i++, d += pattern.interval) yield d;
      return;
    case 'Weekly': {
      const fdow = weekdayIndex(pattern.firstDayOfWeek);
      const offsets = [...new Set(pattern.daysOfWeek.map((n) => (weekdayIndex(n) - fdow + 7) % 7))].sort((a, b) => a - b);
      const weekStart = start - ((weekday(start) - fdow + 7) % 7);
      for (let i = 0; i < MAX_PERIODS; i++) {
        const ws = weekStart + i * 7 * pattern.interval;
        for (const o of offsets) if (ws + o >= start) yield ws + o;
      }
      return;
    }
    case 'AbsoluteMonthly':
    case 'RelativeMonthly':
      for (let i = 0; i < MAX_PERIODS; i++) {
        const m0 = s.month - 1 + i * pattern.interval;
        const y = s.year + Math.floor(m0 / 12);
        const m = (m0 % 12) + 1;
        const d = pattern.kind === 'AbsoluteMonthly'
          ? clampDay(y, m, pattern.dayOfMonth)
          : relativeDay(y, m, pattern.daysOfWeek, pattern.dayOfWeekIndex);
        if (d >= start) yield d;
      }
      return;
    case 'AbsoluteYearly':
    case 'RelativeYearly': {
      const m = monthIndex(pattern.month);
      for (let y = s.year; y < s.year + MAX_PERIODS; y++) {
        const d = pattern.kind === 'AbsoluteYearly'
          ? clampDay(y, m, pattern.dayOfMonth)
          : relativeDay(y, m, pattern.daysOfWeek, pattern.dayOfWeekIndex);
        if (d >= start) yield d;
      }
      return;
    }
  }
}

/** Local dates of the series with the range applied: NumberOfOccurrences counts every
 *  instance (deleted ones too), EndDate is inclusive. */
export function* seriesDates(r: Recurrence): Generator<number> {
  const start = parseDate(r.range.startDate);
  const end = r.range.kind === 'EndDate' ? parseDate(r.range.endDate) : Infinity;
  const count = r.range.kind === 'Numbered' ? r.range.numberOfOccurrences : Infinity;
  let n = 0;
  for (const d of patternDates(r.pattern, start)) {
    if (d > end || n >= count) return;
    n++;
    yield d;
  }
}

export interface Instance {
  /** 1-based position in the series (OccurrenceItemId InstanceIndex). */
  index: number;
  start: number;
  end: number;
}

export interface SeriesTiming {
  /** Start/end of the master (the first instance), UTC ms. */
  start: number;
  end: number;
  zone: ZoneDefinition;
  recurrence: Recurrence;
}

/**
 * Instances of a series in order. The local time of day and the local duration of the
 * master are kept for every instance, so an all-day item stays midnight-to-midnight and a
 * 09:00 meeting stays at 09:00 local on both sides of a DST switch. Instances ending
 * before `fromUtc` may be skipped; the index still counts them.
 */
export function* expandSeries(s: SeriesTiming, untilUtc = Infinity, fromUtc = -Infinity): Generator<Instance> {
  const localStart = utcToLocal(s.zone, s.start);
  const timeOfDay = ((localStart % DAY_MS) + DAY_MS) % DAY_MS;
  const localDuration = utcToLocal(s.zone, s.end) - localStart;
  let index = 0;
  for (const d of seriesDates(s.recurrence)) {
    index++;
    const ls = d * DAY_MS + timeOfDay;
    // No zone is more than 14 h away from UTC: cheap early stop before converting.
    if (ls - 15 * 3_600_000 >= untilUtc) return;
    // Instances that end well before `fromUtc` only advance the index (no zone lookups).
    if (ls + localDuration + 15 * 3_600_000 < fromUtc) continue;
    const start = localToUtc(s.zone, ls);
    if (start >= untilUtc) return;
    yield { index, start, end: localToUtc(s.zone, ls + localDuration) };
  }
}

/** The first instance date of a series (what Exchange makes the master's Start). */
export function firstDate(r: Recurrence): number | undefined {
  for (const d of seriesDates(r)) return d;
  return undefined;
}
