// Outlook's expansion of a recurrence (the model's Recurrence, Outlook's own terms) into
// occurrences, by Outlook's rules rather than RRULE's (EWS-NOTES §8): the series starts at the
// range's StartDate; a day of month past the month's end falls on its last day (31 → Apr 30,
// Feb 29 → Feb 28); pseudo-day sets pick the n-th (or last) matching day of the month; weeks
// start on firstDayOfWeek and the interval counts from the start's week/month/year; Numbered
// counts every occurrence from the series start (deleted ones too); EndDate is inclusive, a date
// in the series zone. Every occurrence keeps the master's local time of day and local duration
// in the series zone across DST. Pure: the Graph upstream uses it to find deleted occurrences.

import { daysInMonth, resolveZone } from './tz.js';
import type { Recurrence, RecurrencePattern, Weekday, WeekIndex } from './recurrence.js';
import type { LocalDate, TimeZoneRef } from './zone.js';

const DAY_MS = 86_400_000;
const ORDER: readonly Weekday[] = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'];
const WEEK: Readonly<Record<WeekIndex, number>> = { first: 1, second: 2, third: 3, fourth: 4, last: -1 };
/** Periods (days, weeks, months, years) looked at before a series is given up as endless. */
const MAX_PERIODS = 100_000;

/** Days since 1970-01-01 of a local date. */
function dayOf(date: LocalDate): number {
  return Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10))) / DAY_MS;
}

function dateOf(day: number): LocalDate {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

function dayNumber(y: number, m: number, d: number): number {
  return Date.UTC(y, m - 1, d) / DAY_MS;
}

/** 0 = Sunday. */
function weekdayOf(day: number): number {
  return (((day + 4) % 7) + 7) % 7;
}

/** The day a pattern picks in one month (absolute: clamped to the month's end; relative: n-th matching day). */
function dayInMonth(p: RecurrencePattern, y: number, m: number): number | undefined {
  if (p.type === 'absoluteMonthly' || p.type === 'absoluteYearly') return dayNumber(y, m, Math.min(p.dayOfMonth, daysInMonth(y, m)));
  if (p.type !== 'relativeMonthly' && p.type !== 'relativeYearly') return undefined;
  const wanted = new Set(p.days.map((d) => ORDER.indexOf(d)));
  const first = dayNumber(y, m, 1);
  const last = first + daysInMonth(y, m) - 1;
  const k = WEEK[p.index];
  if (k === -1) {
    for (let d = last; d >= first; d--) if (wanted.has(weekdayOf(d))) return d;
    return undefined;
  }
  let seen = 0;
  for (let d = first; d <= last; d++) if (wanted.has(weekdayOf(d)) && ++seen === k) return d;
  return undefined;
}

/** Pattern days from `start` on, in order, without the range's end. */
function* patternDays(p: RecurrencePattern, start: number): Generator<number> {
  const interval = Math.max(1, Math.floor(p.interval));
  const s = new Date(start * DAY_MS);
  switch (p.type) {
    case 'daily':
      for (let i = 0; i < MAX_PERIODS; i++) yield start + i * interval;
      return;
    case 'weekly': {
      const wkst = ORDER.indexOf(p.firstDayOfWeek);
      const offsets = [...new Set(p.days.map((d) => (ORDER.indexOf(d) - wkst + 7) % 7))].sort((a, b) => a - b);
      const firstWeek = start - ((weekdayOf(start) - wkst + 7) % 7);
      for (let i = 0; i < MAX_PERIODS; i++) {
        for (const o of offsets) {
          const d = firstWeek + i * 7 * interval + o;
          if (d >= start) yield d;
        }
      }
      return;
    }
    case 'absoluteMonthly':
    case 'relativeMonthly':
      for (let i = 0; i < MAX_PERIODS; i++) {
        const months = s.getUTCMonth() + i * interval;
        const d = dayInMonth(p, s.getUTCFullYear() + Math.floor(months / 12), (months % 12) + 1);
        if (d !== undefined && d >= start) yield d;
      }
      return;
    case 'absoluteYearly':
    case 'relativeYearly':
      for (let i = 0; i < MAX_PERIODS; i++) {
        const d = dayInMonth(p, s.getUTCFullYear() + i * interval, p.month);
        if (d !== undefined && d >= start) yield d;
      }
      return;
  }
}

/** The local dates of a series, in order, with its range applied. */
export function* seriesDates(rec: Recurrence): Generator<LocalDate> {
  const range = rec.range;
  const end = range.type === 'endDate' ? dayOf(range.endDate) : Infinity;
  const count = range.type === 'numbered' ? range.count : Infinity;
  let n = 0;
  for (const d of patternDays(rec.pattern, dayOf(range.startDate))) {
    if (d > end || n >= count) return;
    n++;
    yield dateOf(d);
  }
}

export interface Occurrence {
  /** Local date of the occurrence in the series zone. */
  date: LocalDate;
  /** Original start and end (epoch ms). */
  start: number;
  end: number;
}

export interface SeriesTiming {
  recurrence: Recurrence;
  /** The master's start and end (the first occurrence), epoch ms. */
  startUtc: number;
  endUtc: number;
  /** The series zone (the master's start zone). */
  zone: TimeZoneRef;
}

/**
 * Occurrences overlapping [fromUtc, untilUtc): start < untilUtc and end > fromUtc (a zero-length
 * occurrence counts when it starts inside). At most `limit`, from the earliest.
 */
export function occurrencesBetween(series: SeriesTiming, fromUtc: number, untilUtc: number, limit = 10_000): Occurrence[] {
  const zone = resolveZone(series.zone);
  const localStart = zone.toLocal(series.startUtc);
  const time = localStart.slice(10); // 'THH:MM:SS'
  // The local duration keeps a 09:00–10:00 meeting at that wall time on both sides of a DST switch.
  const duration = Date.parse(`${zone.toLocal(series.endUtc)}Z`) - Date.parse(`${localStart}Z`);
  const out: Occurrence[] = [];
  for (const date of seriesDates(series.recurrence)) {
    const wall = Date.parse(`${date}${time}Z`);
    // No zone is more than 14 h from UTC: stop before converting what cannot start in time.
    if (wall - 15 * 3_600_000 >= untilUtc) break;
    if (wall + duration + 15 * 3_600_000 <= fromUtc) continue;
    const start = zone.fromLocal(`${date}${time}`);
    const end = zone.fromLocal(new Date(wall + duration).toISOString().slice(0, 19));
    if (start >= untilUtc) break;
    if (end > fromUtc || (end === start && start >= fromUtc)) out.push({ date, start, end });
    if (out.length >= limit) break;
  }
  return out;
}
